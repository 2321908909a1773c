package httpd

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/dpo"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// The software register (G12), published to everyone signed in at stable
// URLs: /register (the page), /register.json and /register.csv. It is
// generated from the store and the running configuration on every
// request, so it is never older than the last change.

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

func parseDate(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, fault.Invalidf("Give " + field + " as a date such as 2027-03-31.")
	}
	return t, nil
}

// published reads the register and names the people in it. Everyone in
// the organisation may read it, so names come from the directory of
// people, not the audit log's.
func (s *Server) published(r *http.Request, p *identity.Principal, how string) (wire.SoftwareRegister, error) {
	svc, err := s.dpo()
	if err != nil {
		return wire.SoftwareRegister{}, err
	}
	reg, err := svc.PublishedRegister(r.Context(), p, how)
	if err != nil {
		return wire.SoftwareRegister{}, err
	}
	names := map[string]string{"system": "Switchboard", "cli": "the server console"}
	if us, err := s.identity.Directory(r.Context(), p, ""); err == nil {
		for _, u := range us {
			names[u.ID] = u.Name
		}
	}
	names[p.User.ID] = p.User.Name
	out := wire.SoftwareRegister{Organisation: wire.Organisation{ODS: reg.Org.ODS, Name: reg.Org.Name}, GeneratedAt: stamp(reg.Generated),
		LawfulBases: dpo.LawfulBases, Statuses: dpo.Statuses, Entries: []wire.RegisterEntry{}, Changes: []wire.RegisterChange{}}
	for _, q := range dpo.Screening {
		out.Questions = append(out.Questions, wire.RegisterQuestion{ID: q.ID, Text: q.Text, Required: q.Required})
	}
	for _, e := range reg.Entries {
		screening := map[string]bool{}
		for k, v := range e.Screening {
			screening[k] = v
		}
		out.Entries = append(out.Entries, wire.RegisterEntry{ID: e.ID, Name: e.Name, Supplier: e.Supplier, Purpose: e.Purpose,
			DataCategories: e.DataCategories, LawfulBasis: e.LawfulBasis, Hosting: e.Hosting, Encryption: e.Encryption,
			Retention: e.Retention, SubProcessors: e.SubProcessors, Status: e.Status, ApprovedOn: date(e.ApprovedOn), Approver: e.Approver,
			NextReview: date(e.NextReview), Overdue: e.Overdue(reg.Generated), Screening: screening, FullDPIANeeded: e.FullDPIANeeded(),
			Builtin: e.Builtin, UpdatedAt: stamp(e.UpdatedAt), UpdatedBy: named(names, e.UpdatedBy), Version: e.Version})
	}
	for _, c := range reg.Changes {
		out.Changes = append(out.Changes, wire.RegisterChange{At: stamp(c.At), Entry: c.EntryID, Actor: named(names, c.Actor), Note: c.Note})
	}
	return out, nil
}

func (s *Server) handleRegisterJSON(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	how := "json"
	if r.URL.Query().Get("view") == "page" {
		how = "page" // the register page reads the same document
	}
	out, err := s.published(r, p, how)
	if err != nil {
		return err
	}
	if how == "json" {
		w.Header().Set("Content-Disposition", `inline; filename="software-register.json"`)
	}
	return reply(w, http.StatusOK, out)
}

// registerCSVHeader is the CSV's first row; a column per screening
// question follows it.
var registerCSVHeader = []string{"name", "supplier", "purpose", "data_categories", "lawful_basis", "hosting", "encryption", "retention",
	"sub_processors", "status", "approved_on", "approver", "next_review", "overdue", "full_dpia_needed", "updated_at", "updated_by"}

func (s *Server) handleRegisterCSV(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	out, err := s.published(r, p, "csv")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="software-register.csv"`)
	cw := csv.NewWriter(w)
	head := append([]string{}, registerCSVHeader...)
	for _, q := range out.Questions {
		head = append(head, "screening:"+q.ID)
	}
	cw.Write(head)
	yes := map[bool]string{true: "yes", false: "no"}
	for _, e := range out.Entries {
		row := []string{e.Name, e.Supplier, e.Purpose, e.DataCategories, e.LawfulBasis, e.Hosting, e.Encryption, e.Retention,
			e.SubProcessors, e.Status, e.ApprovedOn, e.Approver, e.NextReview, yes[e.Overdue], yes[e.FullDPIANeeded], e.UpdatedAt, e.UpdatedBy}
		for _, q := range out.Questions {
			a, ok := e.Screening[q.ID]
			if !ok {
				row = append(row, "")
				continue
			}
			row = append(row, yes[a])
		}
		for i, v := range row {
			row[i] = csvSafe(v)
		}
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a cell from being read as a formula by a spreadsheet.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

func (s *Server) handlePutRegister(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	svc, err := s.dpo()
	if err != nil {
		return err
	}
	var in wire.RegisterInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	approved, err := parseDate("the approval date", in.ApprovedOn)
	if err != nil {
		return err
	}
	review, err := parseDate("the next review date", in.NextReview)
	if err != nil {
		return err
	}
	e, err := svc.PutEntry(r.Context(), p, r.PathValue("id"), dpo.EntryInput{Version: in.Version, Name: in.Name, Supplier: in.Supplier,
		Purpose: in.Purpose, DataCategories: in.DataCategories, LawfulBasis: in.LawfulBasis, Hosting: in.Hosting, Encryption: in.Encryption,
		Retention: in.Retention, SubProcessors: in.SubProcessors, Status: in.Status, ApprovedOn: approved, Approver: in.Approver,
		NextReview: review, Screening: in.Screening})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		status = http.StatusCreated
	}
	return reply(w, status, map[string]any{"id": e.ID, "version": e.Version, "full_dpia_needed": e.FullDPIANeeded(),
		"note": fmt.Sprintf("Saved %s.", e.Name)})
}
