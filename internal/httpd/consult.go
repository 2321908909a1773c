package httpd

import (
	"net/http"
	"slices"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/consult"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
)

// The clinician's side of video consultations. The patient's side is in
// join.go, and the signalling sockets of both in signal.go.

var errNoConsult = fault.New(fault.NotFound, "Video consultations are not enabled on this server.")

// clinician checks that the caller may run consultations.
func (s *Server) clinician(p *identity.Principal, r *http.Request) (consult.Clinician, error) {
	if s.cfg.Consult == nil {
		return consult.Clinician{}, errNoConsult
	}
	if err := requireRole(p, identity.RoleClinician); err != nil {
		return consult.Clinician{}, fault.New(fault.Forbidden, "Only clinicians can run video consultations.")
	}
	return consult.Clinician{UserID: p.User.ID, OrgID: p.Org.ID, Practice: p.Org.Name, Addr: clientAddr(r)}, nil
}

func (s *Server) ice(id string) []consult.ICEServer {
	if s.cfg.ICE == nil {
		return []consult.ICEServer{}
	}
	return s.cfg.ICE(id)
}

func (s *Server) handleListConsultations(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	cl, err := s.clinician(p, r)
	if err != nil {
		return err
	}
	now := s.now()
	from, to := now.Add(-24*time.Hour).Truncate(24*time.Hour), now.Add(60*24*time.Hour)
	if v := r.URL.Query().Get("from"); v != "" {
		if from, err = time.Parse(time.DateOnly, v); err != nil {
			return fault.Invalidf("Give from as a date, such as 2026-11-23.")
		}
		to = from.AddDate(0, 0, 60)
	}
	cs, err := s.cfg.Consult.List(r.Context(), cl, from, to)
	if err != nil {
		return err
	}
	out := []consultationJSON{}
	for _, c := range cs {
		out = append(out, consultationOut(c))
	}
	return reply(w, http.StatusOK, map[string]any{"consultations": out})
}

func (s *Server) handleSchedule(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	cl, err := s.clinician(p, r)
	if err != nil {
		return err
	}
	var in struct {
		PatientName  string `json:"patient_name"`
		PatientPhone string `json:"patient_phone"`
		PatientEmail string `json:"patient_email"`
		Reason       string `json:"reason"`
		StartsAt     string `json:"starts_at"`
		SlotMinutes  int    `json:"slot_minutes"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	at, err := s.parseWhen(in.StartsAt)
	if err != nil {
		return err
	}
	c, inv, err := s.cfg.Consult.Schedule(r.Context(), cl, consult.ScheduleInput{PatientName: in.PatientName, PatientPhone: in.PatientPhone,
		PatientEmail: in.PatientEmail, Reason: in.Reason, StartsAt: at, Slot: time.Duration(in.SlotMinutes) * time.Minute})
	if err != nil {
		return err
	}
	return reply(w, http.StatusCreated, map[string]any{"consultation": consultationOut(c), "invite": inviteOut(inv)})
}

// parseWhen reads a time as RFC 3339, or as a local date and time from a
// form ("2026-11-23T14:30"), which is UK time.
func (s *Server) parseWhen(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		loc = time.UTC
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04", v, loc); err == nil {
		return t, nil
	}
	if v == "" {
		return time.Time{}, fault.Invalidf("Enter the date and time of the consultation.")
	}
	return time.Time{}, fault.Invalidf("Enter the date and time as a real date and a 24-hour time, such as 23 November 2026 at 14:30.")
}

func (s *Server) handleGetConsultation(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	cl, err := s.clinician(p, r)
	if err != nil {
		return err
	}
	d, err := s.cfg.Consult.Get(r.Context(), cl, r.PathValue("id"))
	if err != nil {
		return err
	}
	hub := s.cfg.Consult.Hub()
	ps := []participantJSON{}
	for _, pt := range d.Participants {
		ps = append(ps, participantOut(pt, hub.Connected(d.ID, pt.ID)))
	}
	rs := []recordJSON{}
	for _, rec := range d.Records {
		rs = append(rs, recordJSON{Seq: rec.Seq, At: jsonTime(rec.At), Kind: rec.Kind, ParticipantID: rec.ParticipantID, Detail: rec.Detail})
	}
	return reply(w, http.StatusOK, map[string]any{
		"consultation": consultationOut(d.Consultation), "participants": ps, "records": rs,
		"ice_servers": s.ice(p.User.ID), "max_in_call": consult.MaxInCall,
	})
}

func (s *Server) handleAddGuest(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	cl, err := s.clinician(p, r)
	if err != nil {
		return err
	}
	var in struct {
		Role  string `json:"role"`
		Label string `json:"label"`
		Phone string `json:"phone"`
		Email string `json:"email"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	inv, err := s.cfg.Consult.AddGuest(r.Context(), cl, r.PathValue("id"), consult.GuestInput{Role: consult.Role(in.Role), Label: in.Label, Phone: in.Phone, Email: in.Email})
	if err != nil {
		return err
	}
	return reply(w, http.StatusCreated, map[string]any{"invite": inviteOut(inv)})
}

func (s *Server) handleAdmit(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	cl, err := s.clinician(p, r)
	if err != nil {
		return err
	}
	var in struct {
		ParticipantID string `json:"participant_id"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := s.cfg.Consult.Admit(r.Context(), cl, r.PathValue("id"), in.ParticipantID); err != nil {
		return err
	}
	return reply(w, http.StatusOK, struct{}{})
}

func (s *Server) handleChecklist(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	cl, err := s.clinician(p, r)
	if err != nil {
		return err
	}
	var in struct {
		IdentityMethod string `json:"identity_method"`
		IdentityDetail string `json:"identity_detail"`
		PrivateSpace   bool   `json:"private_space"`
		OthersPresent  string `json:"others_present"`
		FallbackPhone  string `json:"fallback_phone"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	ck, err := s.cfg.Consult.SaveChecklist(r.Context(), cl, r.PathValue("id"), consult.ChecklistInput(in))
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, map[string]any{"checklist": checklistOut(ck)})
}

func (s *Server) handleMode(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	cl, err := s.clinician(p, r)
	if err != nil {
		return err
	}
	var in struct {
		Mode      string `json:"mode"`
		Automatic bool   `json:"automatic"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := s.cfg.Consult.ChangeMode(r.Context(), cl, r.PathValue("id"), consult.Mode(in.Mode), in.Automatic); err != nil {
		return err
	}
	return reply(w, http.StatusOK, map[string]string{"mode": in.Mode})
}

func (s *Server) handleEndConsultation(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	cl, err := s.clinician(p, r)
	if err != nil {
		return err
	}
	if err := s.cfg.Consult.End(r.Context(), cl, r.PathValue("id")); err != nil {
		return err
	}
	return reply(w, http.StatusOK, struct{}{})
}

func (s *Server) handleOutcome(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	cl, err := s.clinician(p, r)
	if err != nil {
		return err
	}
	var in struct {
		Outcome string `json:"outcome"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := s.cfg.Consult.SetOutcome(r.Context(), cl, r.PathValue("id"), in.Outcome); err != nil {
		return err
	}
	return reply(w, http.StatusOK, struct{}{})
}

func (s *Server) handleFHIR(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	cl, err := s.clinician(p, r)
	if err != nil {
		return err
	}
	d, err := s.cfg.Consult.Get(r.Context(), cl, r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Disposition", `attachment; filename="encounter-`+d.ID+`.json"`)
	w.Header().Set("Content-Type", "application/fhir+json; charset=utf-8")
	enc := d.Encounter(consult.ExportContext{ODS: p.Org.ODS, ClinicianName: p.User.Name})
	return writeJSON(w, enc)
}

func (s *Server) handleActivityReport(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	if s.cfg.Consult == nil {
		return errNoConsult
	}
	if !slices.ContainsFunc([]identity.Role{identity.RoleClinician, identity.RoleAdmin, identity.RoleDPO}, p.User.Has) {
		return fault.New(fault.Forbidden, "Your roles do not allow this.")
	}
	week := r.URL.Query().Get("week")
	if week == "" {
		week = s.cfg.Consult.ThisWeek(s.now())
	}
	b, err := s.cfg.Consult.Activity(r.Context(), p.Org.ID, p.Org.ODS, week)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="video-consultations-`+p.Org.ODS+`-`+week+`.csv"`)
	_, err = w.Write(b)
	return err
}

// reviewer is the data protection officer reading consultation records.
func (s *Server) reviewer(p *identity.Principal, r *http.Request) (consult.Reviewer, error) {
	if s.cfg.Consult == nil {
		return consult.Reviewer{}, errNoConsult
	}
	if err := requireRole(p, identity.RoleDPO); err != nil {
		return consult.Reviewer{}, fault.New(fault.Forbidden, "Only the data protection officer can read the records of consultations.")
	}
	return consult.Reviewer{UserID: p.User.ID, OrgID: p.Org.ID, Addr: clientAddr(r)}, nil
}

// reviewOut is a consultation as a reviewer sees it: without the clinical
// outcome note, and with the name of the clinician who ran it.
type reviewJSON struct {
	consultationJSON
	Clinician string `json:"clinician"`
}

func reviewOut(c *consult.Consultation, names map[string]string) reviewJSON {
	out := reviewJSON{consultationJSON: consultationOut(c), Clinician: names[c.ClinicianID]}
	out.Outcome = ""
	return out
}

func (s *Server) handleReviewList(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	rv, err := s.reviewer(p, r)
	if err != nil {
		return err
	}
	now := s.now()
	from, to := now.AddDate(0, 0, -30).Truncate(24*time.Hour), now.Add(24*time.Hour).Truncate(24*time.Hour)
	q := r.URL.Query()
	if v := q.Get("from"); v != "" {
		if from, err = time.Parse(time.DateOnly, v); err != nil {
			return fault.Invalidf("Give from as a date, such as 2026-11-23.")
		}
	}
	if v := q.Get("to"); v != "" {
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return fault.Invalidf("Give to as a date, such as 2026-11-30.")
		}
		to = t.AddDate(0, 0, 1) // the whole of the last day
	}
	cs, err := s.cfg.Consult.ReviewList(r.Context(), rv, from, to)
	if err != nil {
		return err
	}
	names, err := s.identity.AuditNames(r.Context(), p)
	if err != nil {
		return err
	}
	out := []reviewJSON{}
	for _, c := range cs {
		out = append(out, reviewOut(c, names))
	}
	return reply(w, http.StatusOK, map[string]any{"consultations": out,
		"from": from.Format(time.DateOnly), "to": to.AddDate(0, 0, -1).Format(time.DateOnly)})
}

func (s *Server) handleReview(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	rv, err := s.reviewer(p, r)
	if err != nil {
		return err
	}
	d, err := s.cfg.Consult.Review(r.Context(), rv, r.PathValue("id"))
	if err != nil {
		return err
	}
	names, err := s.identity.AuditNames(r.Context(), p)
	if err != nil {
		return err
	}
	ps := []participantJSON{}
	for _, pt := range d.Participants {
		ps = append(ps, participantOut(pt, false))
	}
	rs := []recordJSON{}
	for _, rec := range d.Records {
		rs = append(rs, recordJSON{Seq: rec.Seq, At: jsonTime(rec.At), Kind: rec.Kind, ParticipantID: rec.ParticipantID, Detail: rec.Detail})
	}
	return reply(w, http.StatusOK, map[string]any{"consultation": reviewOut(d.Consultation, names), "participants": ps, "records": rs})
}
