package httpd

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/dpo"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/incident"
	"github.com/switchboard-nhs/switchboard/internal/records"
)

// matrixCallers are the matrix's columns: nobody signed in; a clinician,
// an admin and a data protection officer of the organisation that owns
// every object named in the paths (each holding that one role); and an
// outsider, a member of another organisation holding every role.
var matrixCallers = []string{"anonymous", "clinician", "admin", "dpo", "outsider"}

// matrixEnv, when set, makes TestAuthorisationMatrix print the answers it
// got as a table to paste into authzMatrix, after reading every changed
// cell.
const matrixEnv = "SWITCHBOARD_PRINT_MATRIX"

// matrixRig is a server with messaging, incidents and consultations, one
// organisation's objects of every kind named in paths, and the callers.
type matrixRig struct {
	f       *msgFixture
	tokens  map[string]string // caller → bearer token ("" for anonymous)
	spare   map[string]string // caller → a second session, for signing out
	ids     map[string]string // kind of object → its ID in the organisation
	message string            // an MLS message for the conversation, in base64
}

// The callers' email addresses, and a colleague's in their organisation
// whose sessions, devices and account the paths name.
const (
	mClinician = "clin@rxx.nhs.uk"
	mAdmin     = "admin@rxx.nhs.uk"
	mDPO       = "dpo@rxx.nhs.uk"
	mColleague = "colleague@rxx.nhs.uk"
	mOutsider  = "outsider@ryy.nhs.uk"
)

func newMatrixRig(t *testing.T) *matrixRig {
	t.Helper()
	f := newMsgFixture(t, testLimits())
	ctx := context.Background()
	if _, err := f.ids.CreateOrg(ctx, "RYY", "Another Trust"); err != nil {
		t.Fatal(err)
	}
	_, key, err := f.ids.CreateUserWithPassword(ctx, identity.NewUser{OrgODS: "RYY", Email: mOutsider, Name: "Outsider",
		Roles: []string{"clinician", "admin", "dpo"}, Password: msgPassword})
	if err != nil {
		t.Fatal(err)
	}
	f.secrets[mOutsider] = key.Secret
	r := &matrixRig{f: f, tokens: map[string]string{"anonymous": ""}, spare: map[string]string{"anonymous": ""}, ids: map[string]string{}}
	devs := map[string]*tdev{}
	emails := map[string]string{"clinician": mClinician, "admin": mAdmin, "dpo": mDPO, "outsider": mOutsider}
	for _, caller := range matrixCallers[1:] {
		email := emails[caller]
		devs[caller] = f.device(email, caller)
		r.tokens[caller] = devs[caller].token
		r.spare[caller] = r.signIn(email)
	}
	colleague := f.device(mColleague)
	clin, admin := devs["clinician"], devs["admin"]

	// The colleague's account, devices and session, and an account to
	// disable.
	r.ids["user"], r.ids["device"], r.ids["revoke"] = r.userID(admin, mColleague), colleague.id, f.device(mColleague).id
	r.ids["lost"] = f.device(mColleague).id // reported lost by whoever may
	if _, _, err := f.ids.CreateUserWithPassword(ctx, identity.NewUser{OrgODS: "RXX", Email: "leaver@rxx.nhs.uk", Name: "Leaver",
		Roles: []string{"clinician"}, Password: msgPassword}); err != nil {
		t.Fatal(err)
	}
	r.ids["leaver"] = r.userID(admin, "leaver@rxx.nhs.uk")
	var ss struct{ Sessions []struct{ ID string } }
	colleague.do("GET", "/api/me/sessions", nil, &ss)
	r.ids["session"] = ss.Sessions[0].ID

	// A conversation of the clinician and the colleague, with an urgent
	// message and an attachment; the colleague's Welcome waits.
	r.ids["conversation"] = clin.create(mColleague)
	r.ids["leave"] = clin.create(mColleague) // left by whoever may
	var wl struct{ Welcomes []struct{ ID string } }
	colleague.do("GET", "/api/welcomes", nil, &wl)
	r.ids["welcome"] = wl.Welcomes[0].ID
	clin.send(r.ids["conversation"], "m1", "Bed 4 review please")
	ct, err := clin.groups[r.ids["conversation"]].Protect([]byte("Thank you"), nil)
	if err != nil {
		t.Fatal(err)
	}
	r.message = base64.StdEncoding.EncodeToString(ct)
	r.ids["message"] = "m1"
	if code := clin.do("POST", "/api/conversations/"+r.ids["conversation"]+"/urgent", map[string]string{"message": "m1"}, nil); code != 200 {
		t.Fatalf("mark urgent = %d", code)
	}
	code, body := r.call("POST", "/api/conversations/"+r.ids["conversation"]+"/attachments", clin.token, "application/octet-stream", "ciphertext")
	var att struct{ ID string }
	json.Unmarshal(body, &att)
	if code != 201 || att.ID == "" {
		t.Fatalf("put attachment = %d %s", code, body)
	}
	r.ids["attachment"] = att.ID

	// The clinician files the message to the record; the DPO holds a
	// period.
	var stream struct {
		Messages []struct {
			Seq      uint64 `json:"seq"`
			ClientID string `json:"client_id"`
		}
	}
	clin.do("GET", "/api/conversations/"+r.ids["conversation"]+"/messages", nil, &stream)
	i := slices.IndexFunc(stream.Messages, func(m struct {
		Seq      uint64 `json:"seq"`
		ClientID string `json:"client_id"`
	}) bool {
		return m.ClientID == "m1"
	})
	var filing struct{ ID string }
	if code := clin.do("POST", "/api/conversations/"+r.ids["conversation"]+"/filings", map[string]any{"seqs": []uint64{stream.Messages[i].Seq}}, &filing); code != 201 {
		t.Fatalf("file = %d", code)
	}
	r.ids["filing"] = filing.ID
	org, err := f.store.OrgByODS(ctx, "RXX")
	if err != nil {
		t.Fatal(err)
	}
	hold, err := f.rec.PlaceHold(ctx, org, "cli", records.HoldInput{From: "2026-01-01", To: "2026-01-31", Case: "SAR-1"})
	if err != nil {
		t.Fatal(err)
	}
	r.ids["hold"] = hold.ID
	breach, err := f.dpo.ConsoleAddBreach(ctx, "RXX", dpo.NewBreach{Kind: dpo.KindNearMiss, Category: "other", Summary: "A ward PC left signed in"})
	if err != nil {
		t.Fatal(err)
	}
	r.ids["breach"] = breach.ID
	r.ids["entry"] = "switchboard-" + org.ID

	// Consultations of the clinician: one to walk, one to end.
	r.ids["consultation"], r.ids["join"] = r.schedule(clin)
	r.ids["end"], _ = r.schedule(clin)

	// A duty role the clinician holds, a call-in list, and incidents.
	role, err := f.inc.ConsoleAddDutyRole(ctx, "RXX", incident.NewRole{Name: "Medical registrar"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.inc.ConsoleAssign(ctx, "RXX", role.Name, mClinician, f.clk.now().Add(-time.Hour), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.inc.ConsoleAddCallList(ctx, "RXX", "Theatres", []string{mClinician, mColleague}); err != nil {
		t.Fatal(err)
	}
	r.ids["duty"] = role.ID
	r.ids["incident"], r.ids["close"] = r.declare(admin), r.declare(admin)

	// A new person's enrolment link.
	var added struct {
		EnrolURL string `json:"enrol_url"`
	}
	if code := admin.do("POST", "/api/admin/users", map[string]any{"email": "new@rxx.nhs.uk", "name": "New", "roles": []string{"clinician"}}, &added); code != 201 {
		t.Fatalf("add user = %d", code)
	}
	r.ids["enrolment"] = added.EnrolURL[strings.LastIndex(added.EnrolURL, "/")+1:]
	r.ids["setup"] = "sbs_used" // the organisation is set up: no setup link works
	return r
}

// signIn starts another session of email, on a device of its own.
func (r *matrixRig) signIn(email string) string {
	t := r.f.t
	t.Helper()
	r.f.clk.add(30 * time.Second) // a fresh TOTP step
	code, _ := identity.TOTPCode(r.f.secrets[email], identity.TOTPCounter(r.f.clk.now()))
	si, err := r.f.ids.SignIn(context.Background(), identity.SignInInput{Email: email, Password: msgPassword, Code: code,
		Device: identity.DeviceInput{Name: "spare", Kind: "cli"}, Addr: "192.0.2.1"})
	if err != nil {
		t.Fatalf("SignIn(%s) = %v", email, err)
	}
	return si.Token
}

func (r *matrixRig) userID(admin *tdev, email string) string {
	var out struct {
		Users []struct{ ID, Email string }
	}
	admin.do("GET", "/api/admin/users", nil, &out)
	for _, u := range out.Users {
		if u.Email == email {
			return u.ID
		}
	}
	r.f.t.Fatalf("no user %s", email)
	return ""
}

func (r *matrixRig) schedule(clin *tdev) (id, joinToken string) {
	var out struct {
		Consultation struct{ ID string }
		Invite       struct{ Link string }
	}
	code := clin.do("POST", "/api/consultations", map[string]any{"patient_name": "Margaret Oduya", "patient_phone": "07700 900123",
		"starts_at": r.f.clk.now().Add(5 * time.Minute).Format(time.RFC3339), "slot_minutes": 20}, &out)
	if code != 201 {
		r.f.t.Fatalf("schedule = %d", code)
	}
	return out.Consultation.ID, out.Invite.Link[strings.LastIndex(out.Invite.Link, "/")+1:]
}

func (r *matrixRig) declare(admin *tdev) string {
	gid := make([]byte, 16)
	rand.Read(gid)
	var out struct{ ID string }
	code := admin.do("POST", "/api/incidents", map[string]any{"conversation": hex.EncodeToString(gid), "kind": "standby",
		"exercise": true, "lists": []string{"Theatres"}}, &out)
	if code != 201 {
		r.f.t.Fatalf("declare = %d", code)
	}
	return out.ID
}

// pathKinds names the kind of object each path parameter holds, by the
// pattern's path up to it; a route whose parameter has no kind here fails
// the test, so that a new kind of ID gets an object of its own.
var pathKinds = []struct{ prefix, param, kind string }{
	{"/api/setup/", "token", "setup"},
	{"/api/enrol/", "token", "enrolment"},
	{"/api/join/", "token", "join"},
	{"/join/", "token", "join"},
	{"/api/me/sessions/", "id", "session"},
	{"/api/me/devices/", "id", "device"},
	{"/api/admin/users/", "id", "user"},
	{"/api/admin/devices/", "id", "device"},
	{"/api/consultations/", "id", "consultation"},
	{"/api/reviews/consultations/", "id", "consultation"},
	{"/api/conversations/", "id", "conversation"},
	{"/api/conversations/{id}/urgent/", "message", "message"},
	{"/api/attachments/", "id", "attachment"},
	{"/api/welcomes/", "id", "welcome"},
	{"/api/duty/", "id", "duty"},
	{"/api/admin/duty/", "id", "duty"},
	{"/api/incidents/", "id", "incident"},
	{"/api/filings/", "id", "filing"},
	{"/api/admin/conversations/", "id", "conversation"},
	{"/api/dpo/holds/", "id", "hold"},
	{"/api/dpo/breaches/", "id", "breach"},
	{"/api/dpo/register/", "id", "entry"},
}

// ownObject gives the routes that would spoil the objects others walk an
// object of their own: the conversation left, the consultation ended, the
// incident stood down and closed, the account disabled, the device
// revoked.
var ownObject = map[string]string{
	"POST /api/conversations/{id}/leave":  "leave",
	"POST /api/consultations/{id}/end":    "end",
	"POST /api/incidents/{id}/standdown":  "close",
	"POST /api/incidents/{id}/close":      "close",
	"POST /api/incidents/{id}/commander":  "close",
	"POST /api/incidents/{id}/exported":   "close",
	"POST /api/admin/users/{id}/disable":  "leaver",
	"POST /api/admin/devices/{id}/revoke": "revoke",
	"POST /api/admin/devices/{id}/lost":   "lost",
	"DELETE /api/me/devices/{id}":         "revoke",
}

// path fills pattern's parameters with the organisation's objects.
func (r *matrixRig) path(pattern string) (method, path string, err error) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "GET", pattern
	}
	var b strings.Builder
	for rest := path; rest != ""; {
		i := strings.Index(rest, "{")
		if i < 0 {
			b.WriteString(rest)
			break
		}
		j := strings.Index(rest, "}")
		prefix, param, kind := path[:len(path)-len(rest)+i], rest[i+1:j], ""
		for _, k := range pathKinds {
			if k.prefix == prefix && k.param == param {
				kind = k.kind
			}
		}
		if own := ownObject[pattern]; own != "" && param == "id" {
			kind = own
		}
		id := r.ids[kind]
		if id == "" {
			return "", "", fmt.Errorf("no kind of object for {%s} in %s: add it to pathKinds with an object in newMatrixRig", param, pattern)
		}
		b.WriteString(rest[:i] + id)
		rest = rest[j+1:]
	}
	return method, b.String(), nil
}

// request is the body each route gets: mostly one that is well-formed
// but says nothing, so that callers who get past the checks on who they
// are are refused for their input, changing nothing. Routes that read
// their input before asking whether the caller may act on the object get
// a well-formed one, so that the answer shows that check.
func (r *matrixRig) request(pattern string) (contentType, body string) {
	switch pattern {
	case "POST /api/conversations/{id}/attachments":
		return "application/octet-stream", "ciphertext"
	case "POST /api/poll":
		return "application/json", `{"wait_seconds":1}`
	case "POST /api/conversations/{id}/admins", "POST /api/conversations/{id}/people":
		return "application/json", `{"email":"` + mColleague + `"}`
	case "POST /api/conversations/{id}/commits":
		return "application/json", `{"epoch":1,"commit":"AAAA"}`
	case "POST /api/conversations/{id}/messages":
		return "application/json", `{"client_id":"m2","message":"` + r.message + `"}`
	case "POST /api/conversations/{id}/cursor":
		return "application/json", `{"seq":1}`
	case "POST /api/incidents/{id}/response":
		return "application/json", `{"state":"available"}`
	case "PUT /api/admin/conversations/{id}/kind":
		return "application/json", `{"kind":"team"}`
	}
	return "application/json", "{}"
}

func (r *matrixRig) call(method, path, bearer, contentType, body string) (int, []byte) {
	t := r.f.t
	t.Helper()
	req, _ := http.NewRequest(method, r.f.ts.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// TestAuthorisationMatrix calls every route (Routes) as each caller, with
// the organisation's objects in the path, and compares each answer with
// the one written down for it in authzMatrix. A route without a row, a
// row without a route, and any difference fail, as does any 5xx.
func TestAuthorisationMatrix(t *testing.T) {
	r := newMatrixRig(t)
	got := map[string][]int{}
	var order []string
	for _, rt := range r.f.srv.Routes() {
		if slices.Contains(order, rt.Pattern) {
			continue
		}
		order = append(order, rt.Pattern)
		method, path, err := r.path(rt.Pattern)
		if err != nil {
			t.Error(err)
			continue
		}
		ct, body := r.request(rt.Pattern)
		for _, caller := range matrixCallers {
			tok := r.tokens[caller]
			if rt.Pattern == "DELETE /api/session" {
				tok = r.spare[caller] // signing out ends the session used
			}
			code, raw := r.call(method, path, tok, ct, body)
			if code >= 500 {
				t.Errorf("%s as %s = %d %s; want no 5xx", rt.Pattern, caller, code, raw)
			}
			got[rt.Pattern] = append(got[rt.Pattern], code)
		}
	}
	if os.Getenv(matrixEnv) != "" {
		var b bytes.Buffer
		for _, p := range order {
			fmt.Fprintf(&b, "\t%q: %q,\n", p, strings.Trim(fmt.Sprint(got[p]), "[]"))
		}
		t.Logf("answers:\n%s", b.String())
	}
	for _, p := range order {
		want, ok := authzMatrix[p]
		if !ok {
			t.Errorf("%s has no row in authzMatrix: write down what %s must each get (got %v)", p, strings.Join(matrixCallers, ", "), got[p])
			continue
		}
		if g := strings.Trim(fmt.Sprint(got[p]), "[]"); g != want {
			t.Errorf("%s answered %s: %s; want %s", p, strings.Join(matrixCallers, ", "), g, want)
		}
	}
	for p := range authzMatrix {
		if !slices.Contains(order, p) {
			t.Errorf("authzMatrix has a row for %s, which is not a route", p)
		}
	}
}
