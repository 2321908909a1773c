package httpd

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/consult"
)

type checklistJSON struct {
	IdentityMethod string   `json:"identity_method"`
	IdentityDetail string   `json:"identity_detail"`
	PrivateSpace   bool     `json:"private_space"`
	OthersPresent  string   `json:"others_present"`
	FallbackPhone  string   `json:"fallback_phone"`
	CompletedAt    jsonTime `json:"completed_at"`
}

func checklistOut(c *consult.Checklist) *checklistJSON {
	if c == nil {
		return nil
	}
	return &checklistJSON{c.IdentityMethod, c.IdentityDetail, c.PrivateSpace, c.OthersPresent, c.FallbackPhone, jsonTime(c.CompletedAt)}
}

type consultationJSON struct {
	ID           string         `json:"id"`
	Practice     string         `json:"practice"`
	PatientName  string         `json:"patient_name"`
	PatientPhone string         `json:"patient_phone"`
	PatientEmail string         `json:"patient_email"`
	Reason       string         `json:"reason"`
	StartsAt     jsonTime       `json:"starts_at"`
	SlotMinutes  int            `json:"slot_minutes"`
	Status       string         `json:"status"`
	Mode         string         `json:"mode"`
	Checklist    *checklistJSON `json:"checklist"`
	Outcome      string         `json:"outcome"`
	StartedAt    jsonTime       `json:"started_at"`
	EndedAt      jsonTime       `json:"ended_at"`
}

func consultationOut(c *consult.Consultation) consultationJSON {
	return consultationJSON{
		ID: c.ID, Practice: c.Practice, PatientName: c.PatientName, PatientPhone: c.PatientPhone, PatientEmail: c.PatientEmail,
		Reason: c.Reason, StartsAt: jsonTime(c.StartsAt), SlotMinutes: int(c.Slot / time.Minute), Status: string(c.Status),
		Mode: string(c.Mode), Checklist: checklistOut(c.Checklist), Outcome: c.Outcome,
		StartedAt: jsonTime(c.StartedAt), EndedAt: jsonTime(c.EndedAt),
	}
}

type participantJSON struct {
	ID         string               `json:"id"`
	Role       string               `json:"role"`
	Label      string               `json:"label"`
	State      string               `json:"state"`
	Connected  bool                 `json:"connected"`
	Check      *consult.DeviceCheck `json:"check"`
	EnteredAt  jsonTime             `json:"entered_at"`
	AdmittedAt jsonTime             `json:"admitted_at"`
	ExpiresAt  jsonTime             `json:"expires_at"`
}

func participantOut(p *consult.Participant, connected bool) participantJSON {
	return participantJSON{ID: p.ID, Role: string(p.Role), Label: p.Label, State: string(p.State), Connected: connected,
		Check: p.Check, EnteredAt: jsonTime(p.EnteredAt), AdmittedAt: jsonTime(p.AdmittedAt), ExpiresAt: jsonTime(p.ExpiresAt)}
}

type recordJSON struct {
	Seq           int64             `json:"seq"`
	At            jsonTime          `json:"at"`
	Kind          string            `json:"kind"`
	ParticipantID string            `json:"participant_id"`
	Detail        map[string]string `json:"detail"`
}

type inviteJSON struct {
	ParticipantID string   `json:"participant_id"`
	Role          string   `json:"role"`
	Link          string   `json:"link"`
	Sent          []string `json:"sent"`
	Failed        []string `json:"failed"`
}

func inviteOut(inv *consult.Invite) inviteJSON {
	out := inviteJSON{ParticipantID: inv.Participant.ID, Role: string(inv.Participant.Role), Link: inv.Link, Sent: inv.Sent, Failed: inv.Failed}
	if out.Sent == nil {
		out.Sent = []string{}
	}
	if out.Failed == nil {
		out.Failed = []string{}
	}
	return out
}

// writeJSON writes v with the Content-Type already set, status 200.
func writeJSON(w http.ResponseWriter, v any) error {
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
