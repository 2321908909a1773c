package httpd

import (
	"bytes"
	"context"
	"encoding/base64"
	"image/png"
	"net/http"
	"strconv"
	"time"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
)

type deviceJSON struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
	Kind string `json:"kind"`
}

func (d deviceJSON) input() identity.DeviceInput {
	return identity.DeviceInput{ID: d.ID, Name: d.Name, Kind: d.Kind}
}

type orgJSON struct {
	ODS  string `json:"ods"`
	Name string `json:"name"`
}

type userJSON struct {
	ID           string   `json:"id"`
	Email        string   `json:"email"`
	Name         string   `json:"name"`
	Roles        []string `json:"roles"`
	Registration string   `json:"registration"`
	Team         string   `json:"team"`
	Org          *orgJSON `json:"org,omitempty"`
}

func userOut(u *identity.User, org *identity.Org) userJSON {
	out := userJSON{ID: u.ID, Email: u.Email, Name: u.Name, Registration: u.Registration, Team: u.Team, Roles: []string{}}
	for _, r := range u.Roles {
		out.Roles = append(out.Roles, string(r))
	}
	if org != nil {
		out.Org = &orgJSON{ODS: org.ODS, Name: org.Name}
	}
	return out
}

// jsonTime is a time that encodes as RFC 3339 in UTC, or null when zero.
type jsonTime time.Time

func (t jsonTime) MarshalJSON() ([]byte, error) {
	if time.Time(t).IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + time.Time(t).UTC().Format(time.RFC3339) + `"`), nil
}

type meJSON struct {
	User        userJSON `json:"user"`
	DeviceID    string   `json:"device_id"`
	CSRFToken   string   `json:"csrf_token"`
	IdleTimeout int      `json:"idle_timeout_seconds"`
	ReadReceipt string   `json:"read_receipts"`   // the organisation's policy: on, off or forced
	PINAttempts int      `json:"pin_attempts"`    // wrong PINs in a row before the device erases its messages
	Token       string   `json:"token,omitempty"` // for non-browser clients only
}

func meOut(p *identity.Principal) meJSON {
	return meJSON{User: userOut(p.User, p.Org), DeviceID: p.Device.ID, CSRFToken: p.Session.CSRF,
		IdleTimeout: int(p.Org.Policy.IdleTimeout / time.Second), ReadReceipt: readReceipts(p.Org),
		PINAttempts: p.Org.Policy.Attempts()}
}

// signedIn sets the session cookie for browsers and returns the token in the
// body only to clients that are not browsers (kind cli or bot).
func (s *Server) signedIn(w http.ResponseWriter, si *identity.SignedIn) error {
	out := meOut(&si.Principal)
	if si.Device.Kind == "web" {
		s.setCookie(w, si.Token)
	} else {
		out.Token = si.Token
	}
	w.Header().Set("Cache-Control", "no-store")
	return reply(w, http.StatusOK, out)
}

func (s *Server) handleSetupCheck(w http.ResponseWriter, r *http.Request) error {
	if err := s.identity.CheckSetup(r.Context(), r.PathValue("token")); err != nil {
		return err
	}
	return reply(w, http.StatusOK, struct{}{})
}

func (s *Server) handleSetup(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Token   string `json:"token"`
		ODS     string `json:"ods"`
		OrgName string `json:"org_name"`
		Name    string `json:"name"`
		Email   string `json:"email"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	tok, err := s.identity.Setup(r.Context(), in.Token, identity.SetupInput{ODS: in.ODS, OrgName: in.OrgName, Name: in.Name, Email: in.Email}, clientAddr(r))
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, map[string]string{"enrol_token": tok})
}

func (s *Server) handleEnrolInfo(w http.ResponseWriter, r *http.Request) error {
	u, org, err := s.identity.EnrolInfo(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, map[string]string{"email": u.Email, "name": u.Name, "org_name": org.Name})
}

func (s *Server) handleEnrolPassword(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	key, err := s.identity.EnrolPassword(r.Context(), in.Token, in.Password, clientAddr(r))
	if err != nil {
		return err
	}
	img, err := qrPNG(key.URI)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return reply(w, http.StatusOK, map[string]string{"totp_uri": key.URI, "totp_secret": key.Secret, "qr_png": img})
}

// qrPNG renders an otpauth URI as a QR code PNG data URL.
func qrPNG(uri string) (string, error) {
	code, err := qr.Encode(uri, qr.M, qr.Auto)
	if err != nil {
		return "", fault.Wrap(fault.Internal, "The QR code could not be made; enter the text key instead.", err)
	}
	code, err = barcode.Scale(code, 240, 240)
	if err != nil {
		return "", fault.Wrap(fault.Internal, "The QR code could not be made; enter the text key instead.", err)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, code); err != nil {
		return "", err
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes()), nil
}

func (s *Server) handleEnrolConfirm(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Token  string     `json:"token"`
		Code   string     `json:"code"`
		Device deviceJSON `json:"device"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	si, err := s.identity.EnrolConfirm(r.Context(), in.Token, in.Code, in.Device.input(), clientAddr(r))
	if err != nil {
		return err
	}
	return s.signedIn(w, si)
}

func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email    string     `json:"email"`
		Password string     `json:"password"`
		Code     string     `json:"code"`
		Device   deviceJSON `json:"device"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	si, err := s.identity.SignIn(r.Context(), identity.SignInInput{Email: in.Email, Password: in.Password, Code: in.Code,
		Device: in.Device.input(), Addr: clientAddr(r)})
	if err != nil {
		return err
	}
	return s.signedIn(w, si)
}

// handleSignOut ends the session; with ?device=retire it also retires the
// device, which leaves its conversations (a browser signing out for good).
func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	retire := false
	switch r.URL.Query().Get("device") {
	case "":
	case "retire":
		retire = true
	default:
		return fault.Invalidf(`The device parameter takes only "retire" (sign this device out for good), or leave it out.`)
	}
	if err := s.identity.SignOut(r.Context(), p, retire); err != nil {
		return err
	}
	s.clearCookie(w)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	return reply(w, http.StatusOK, meOut(p))
}

func (s *Server) handleMySessions(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	ss, err := s.identity.ListSessions(r.Context(), p)
	if err != nil {
		return err
	}
	devs, err := s.identity.ListDevices(r.Context(), p)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, d := range devs {
		names[d.ID] = d.Name
	}
	type sessionJSON struct {
		ID         string   `json:"id"`
		DeviceID   string   `json:"device_id"`
		DeviceName string   `json:"device_name"`
		CreatedAt  jsonTime `json:"created_at"`
		LastSeenAt jsonTime `json:"last_seen_at"`
		Current    bool     `json:"current"`
	}
	out := []sessionJSON{}
	for _, x := range ss {
		out = append(out, sessionJSON{ID: x.ID, DeviceID: x.DeviceID, DeviceName: names[x.DeviceID],
			CreatedAt: jsonTime(x.CreatedAt), LastSeenAt: jsonTime(x.LastSeenAt), Current: x.ID == p.Session.ID})
	}
	return reply(w, http.StatusOK, map[string]any{"sessions": out})
}

func (s *Server) handleEndSession(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	if err := s.identity.EndSession(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type deviceOutJSON struct {
	ID             string   `json:"id"`
	UserID         string   `json:"user_id,omitempty"`
	UserEmail      string   `json:"user_email,omitempty"`
	UserName       string   `json:"user_name,omitempty"`
	Name           string   `json:"name"`
	Kind           string   `json:"kind"`
	CreatedAt      jsonTime `json:"created_at"`
	LastSeenAt     jsonTime `json:"last_seen_at"`
	RevokedAt      jsonTime `json:"revoked_at"`
	ActiveSessions *int     `json:"active_sessions,omitempty"`
	Current        bool     `json:"current"`
}

func deviceOut(d *identity.Device, p *identity.Principal) deviceOutJSON {
	return deviceOutJSON{ID: d.ID, Name: d.Name, Kind: d.Kind, CreatedAt: jsonTime(d.CreatedAt),
		LastSeenAt: jsonTime(d.LastSeenAt), RevokedAt: jsonTime(d.RevokedAt), Current: d.ID == p.Device.ID}
}

func (s *Server) handleMyDevices(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	ds, err := s.identity.ListDevices(r.Context(), p)
	if err != nil {
		return err
	}
	out := []deviceOutJSON{}
	for _, d := range ds {
		out = append(out, deviceOut(d, p))
	}
	return reply(w, http.StatusOK, map[string]any{"devices": out})
}

func (s *Server) handleRevokeMyDevice(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	if err := s.identity.RevokeDevice(r.Context(), p, r.PathValue("id"), false); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleAddUser(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	var in struct {
		Email        string   `json:"email"`
		Name         string   `json:"name"`
		Roles        []string `json:"roles"`
		Registration string   `json:"registration"`
		Team         string   `json:"team"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	u, tok, err := s.identity.AddUser(r.Context(), p, identity.NewUser{Email: in.Email, Name: in.Name, Roles: in.Roles,
		Registration: in.Registration, Team: in.Team})
	if err != nil {
		return err
	}
	return reply(w, http.StatusCreated, map[string]any{"user": userOut(u, nil), "enrol_url": s.cfg.PublicURL + "/enrol/" + tok})
}

func (s *Server) handleReissueEnrolment(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	u, tok, err := s.identity.ReissueEnrolment(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return reply(w, http.StatusCreated, map[string]any{"user": userOut(u, nil), "enrol_url": s.cfg.PublicURL + "/enrol/" + tok})
}

func (s *Server) handleOrgDevices(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	ds, err := s.identity.ListOrgDevices(r.Context(), p)
	if err != nil {
		return err
	}
	out := []deviceOutJSON{}
	for _, d := range ds {
		j := deviceOut(&d.Device, p)
		n := d.ActiveSessions
		j.UserID, j.UserEmail, j.UserName, j.ActiveSessions = d.UserID, d.UserEmail, d.UserName, &n
		out = append(out, j)
	}
	return reply(w, http.StatusOK, map[string]any{"devices": out})
}

func (s *Server) handleSignOutDevice(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	if err := requireRole(p, identity.RoleAdmin); err != nil {
		return err
	}
	if err := s.identity.SignOutDevice(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleRevokeDevice(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	if err := requireRole(p, identity.RoleAdmin); err != nil {
		return err
	}
	if err := s.identity.RevokeDevice(r.Context(), p, r.PathValue("id"), true); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleGetPolicy(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	if err := requireRole(p, identity.RoleAdmin); err != nil {
		return err
	}
	return reply(w, http.StatusOK, policyView(p.Org))
}

// policyView is the organisation's policy as GET and PUT
// /api/admin/policy answer it.
func policyView(o *identity.Org) map[string]any {
	return map[string]any{"idle_timeout_minutes": int(o.Policy.IdleTimeout / time.Minute),
		"read_receipts": readReceipts(o), "pin_attempts": o.Policy.Attempts(),
		"attachment_quota_mib": o.Policy.PersonQuota(), "org_attachment_quota_mib": o.Policy.OrgQuota()}
}

func readReceipts(o *identity.Org) string {
	if o.Policy.ReadReceipts == "" {
		return identity.ReadReceiptsOn
	}
	return o.Policy.ReadReceipts
}

func (s *Server) handleSetPolicy(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	var in struct {
		IdleTimeoutMinutes int    `json:"idle_timeout_minutes"`
		ReadReceipts       string `json:"read_receipts"` // optional: on, off or forced
		PINAttempts        int    `json:"pin_attempts"`  // optional: 3 to 20
		// optional: MiB of attachments a person, and the organisation, may store
		PersonQuotaMiB int `json:"attachment_quota_mib"`
		OrgQuotaMiB    int `json:"org_attachment_quota_mib"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	quotas := in.PersonQuotaMiB != 0 || in.OrgQuotaMiB != 0
	if in.IdleTimeoutMinutes != 0 || in.ReadReceipts == "" && in.PINAttempts == 0 && !quotas {
		if err := s.identity.SetPolicy(r.Context(), p, in.IdleTimeoutMinutes); err != nil {
			return err
		}
		p.Org.Policy.IdleTimeout = time.Duration(in.IdleTimeoutMinutes) * time.Minute
	}
	if in.ReadReceipts != "" {
		if err := s.identity.SetReadReceipts(r.Context(), p, in.ReadReceipts); err != nil {
			return err
		}
	}
	if in.PINAttempts != 0 {
		if err := s.identity.SetPINAttempts(r.Context(), p, in.PINAttempts); err != nil {
			return err
		}
	}
	if quotas {
		person, org := in.PersonQuotaMiB, in.OrgQuotaMiB
		if person == 0 {
			person = p.Org.Policy.PersonQuota()
		}
		if org == 0 {
			org = max(p.Org.Policy.OrgQuota(), person)
		}
		if err := s.identity.SetAttachmentQuotas(r.Context(), p, person, org); err != nil {
			return err
		}
	}
	s.policyChanged(r, p)
	return reply(w, http.StatusOK, policyView(p.Org))
}

func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	q := r.URL.Query()
	limit, before := 100, int64(0)
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return fault.Invalidf("The limit must be a whole number from 1 to 500.")
		}
		limit = n
	}
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return fault.Invalidf("The before parameter must be an audit entry number.")
		}
		before = n
	}
	f, err := s.auditFilter(r, p)
	if err != nil {
		return err
	}
	var es []audit.Entry
	if s.cfg.DPO != nil {
		es, err = s.cfg.DPO.AuditEntries(r.Context(), p, f, before, limit)
	} else if f.Empty() {
		es, err = s.identity.ListAudit(r.Context(), p, before, limit)
	} else {
		err = errNoDPO
	}
	if err != nil {
		return err
	}
	type entryJSON struct {
		Seq    int64             `json:"seq"`
		At     jsonTime          `json:"at"`
		Actor  string            `json:"actor"`
		Action string            `json:"action"`
		Target string            `json:"target"`
		Addr   string            `json:"addr"`
		Detail map[string]string `json:"detail"`
	}
	out := []entryJSON{}
	for _, e := range es {
		out = append(out, entryJSON{Seq: e.Seq, At: jsonTime(e.At), Actor: e.Actor, Action: e.Action, Target: e.Target, Addr: e.Addr, Detail: e.Detail})
	}
	names, err := s.identity.AuditNames(r.Context(), p)
	if err != nil {
		return err
	}
	_, verr := s.identity.VerifyAudit(r.Context())
	res := map[string]any{"entries": out, "verified": verr == nil, "names": names}
	if verr != nil {
		res["verify_error"] = verr.Error()
	}
	return reply(w, http.StatusOK, res)
}

func (s *Server) handleNoAPI(w http.ResponseWriter, r *http.Request) error {
	return fault.New(fault.NotFound, "There is no API route "+r.Method+" "+r.URL.Path+".")
}

// policyChanged tells every open device of the organisation that its
// policy changed. A device it misses reads the policy when its page is
// next shown.
func (s *Server) policyChanged(r *http.Request, p *identity.Principal) {
	if s.cfg.Messaging == nil {
		return
	}
	ds, err := s.identity.ListOrgDevices(r.Context(), p)
	if err != nil {
		s.log.Warn("list devices for policy notice", "org", p.Org.ID, "err", err)
		return
	}
	ids := make([]string, 0, len(ds))
	for _, d := range ds {
		if !d.Revoked() {
			ids = append(ids, d.ID)
		}
	}
	s.cfg.Messaging.PolicyChanged(context.WithoutCancel(r.Context()), ids)
}
