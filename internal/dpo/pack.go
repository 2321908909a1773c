package dpo

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
)

// Pack is the DPIA pack: Switchboard described as this organisation has
// configured it, for the organisation's own DPIA and DCB0160 work. It is a
// document model; httpd renders it as HTML and package pdf as PDF.
type Pack struct {
	Title     string
	Org       string // name and ODS code
	Generated time.Time
	Sections  []Section
}

// Section is one titled part of the pack.
type Section struct {
	Heading    string
	Paragraphs []string
	Bullets    []string
	Table      *Table
}

// Table is a table of text with a header row.
type Table struct {
	Columns []string
	Rows    [][]string
}

// Hazard is one entry of the clinical-safety hazard log, in the columns of
// DCB0129.
type Hazard struct {
	ID                 string `json:"id"`
	Name               string `json:"name"`
	Description        string `json:"description"`
	Causes             string `json:"causes"`
	Effect             string `json:"effect"`
	Harm               string `json:"harm"`
	ExistingControls   string `json:"existing_controls"`
	InitialSeverity    string `json:"initial_severity"`
	InitialLikelihood  string `json:"initial_likelihood"`
	InitialRating      string `json:"initial_rating"`
	AdditionalControls string `json:"additional_controls"`
	ResidualSeverity   string `json:"residual_severity"`
	ResidualLikelihood string `json:"residual_likelihood"`
	ResidualRating     string `json:"residual_rating"`
	Owner              string `json:"owner"`
	Status             string `json:"status"`
}

//go:embed hazards.json
var hazardsJSON []byte

// Hazards returns the hazard log the project ships.
func Hazards() ([]Hazard, error) {
	var hs []Hazard
	if err := json.Unmarshal(hazardsJSON, &hs); err != nil {
		return nil, fmt.Errorf("hazard log: %w", err)
	}
	return hs, nil
}

// The pack's section headings, in order.
const (
	PackAbout      = "1. About this pack"
	PackFlows      = "2. Data flows"
	PackSees       = "3. What the server can and cannot see"
	PackRetention  = "4. Retention and holds"
	PackProcessors = "5. Sub-processors"
	PackControls   = "6. Security controls"
	PackGuidance   = "7. NHS guidance enforced"
	PackScreening  = "8. DPIA screening"
	PackHazards    = "9. Clinical safety hazard log (DCB0129)"
)

// DPIAPack builds the pack for the caller's organisation: the DPO, or an
// admin. It is recorded in the audit chain.
func (s *Service) DPIAPack(ctx context.Context, p *identity.Principal, format string) (*Pack, error) {
	if !p.User.Has(identity.RoleDPO) && !p.User.Has(identity.RoleAdmin) {
		return nil, fault.New(fault.Forbidden, "Only the data protection officer or an administrator can generate the DPIA pack.")
	}
	return s.pack(ctx, principal(p), p.Org, format)
}

// ConsoleDPIAPack builds the pack from the server's console.
func (s *Service) ConsoleDPIAPack(ctx context.Context, ods, format string) (*Pack, error) {
	a, err := s.console(ctx, ods)
	if err != nil {
		return nil, err
	}
	org, err := s.ids.OrgByID(ctx, a.org)
	if err != nil {
		return nil, err
	}
	return s.pack(ctx, a, org, format)
}

func (s *Service) pack(ctx context.Context, a actor, org *identity.Org, format string) (*Pack, error) {
	if err := s.store.RecordAudit(ctx, s.event(a, "dpia.export", org.ID, map[string]string{"format": format})); err != nil {
		return nil, err
	}
	es, err := s.store.RegisterEntries(ctx, org.ID)
	if err != nil {
		return nil, err
	}
	var stored *Entry
	for _, e := range es {
		if e.Builtin {
			stored = e
		}
	}
	sb := s.switchboardEntry(ctx, org, stored)
	hazards, err := Hazards()
	if err != nil {
		return nil, err
	}
	d := s.deploy
	now := s.now()
	p := &Pack{Title: "DPIA pack: Switchboard " + d.Version, Org: fmt.Sprintf("%s (%s)", org.Name, org.ODS), Generated: now}
	about := []string{
		fmt.Sprintf("This pack describes Switchboard %s as %s has configured it, generated from the running system on %s UTC. It is evidence for the organisation's own data protection impact assessment and its DCB0160 clinical risk management; it does not replace them.",
			d.Version, org.Name, now.UTC().Format("2 January 2006 15:04")),
		"Switchboard is a self-hosted, end-to-end encrypted messaging and video consultation service for NHS teams.",
	}
	if d.PublicURL == "" {
		about = append(about, "Generated at the server console: the public address and the SMS and email providers set on the servers' command lines are not known here; generate it from the DPO's page for those.")
	}
	p.Sections = append(p.Sections, Section{Heading: PackAbout, Paragraphs: about})

	flows := &Table{Columns: []string{"Flow", "From and to", "What the server handles", "Protection"}}
	flows.Rows = append(flows.Rows,
		[]string{"Secure messages and attachments", "Device to device, relayed and stored by the server", "Ciphertext, sizes, times, who is in which conversation", "MLS end to end; attachments AES-256-GCM on the device"},
		[]string{"Notifications", "Server to the browsers' push services to devices", "A fixed sentence per push", "Web Push encryption; no sender, conversation or text"},
		[]string{"Video consultations", "Browser to browser, relayed by " + orDash(d.TURN) + " when needed", "Signalling: who joins which consultation, when", "DTLS-SRTP end to end; in-call chat on a data channel the server never carries"},
		[]string{"Sign-in and administration", "Browser or CLI to server", "Names, emails, roles, devices, sign-in times and addresses", "TLS; argon2id password hashes; TOTP"},
		[]string{"Audit", "Server to its database", "Who did what to which ID, when and from where", "Hash chain, verifiable offline"},
		[]string{"Database", "Server to " + d.Database, "Everything above", "Held by the organisation's own infrastructure"},
	)
	if d.Bus == "NATS" {
		flows.Rows = append(flows.Rows, []string{"Between server nodes", "Node to node over NATS", "Ciphertext and signalling being fanned out", "As above; the organisation's own network"})
	}
	if d.SMS != "" {
		flows.Rows = append(flows.Rows, []string{"Consultation invitations by SMS", "Server to " + d.SMS + " to the patient's phone", "The patient's mobile number and the link", "TLS to the provider"})
	}
	if d.Email != "" {
		flows.Rows = append(flows.Rows, []string{"Consultation invitations by email", "Server to the SMTP server " + d.Email, "The patient's email address and the link", "SMTP over TLS where configured"})
	}
	p.Sections = append(p.Sections, Section{Heading: PackFlows, Paragraphs: []string{"Drawn from the running configuration."}, Table: flows})

	p.Sections = append(p.Sections, Section{Heading: PackSees,
		Paragraphs: []string{"The server can see:"},
		Bullets: []string{
			"who has an account, their roles, team and professional registration, and their devices;",
			"who is in which conversation, when messages are sent and their sizes (metadata);",
			"who acknowledged an urgent message and when; roll-call answers in a major incident;",
			"consultation bookings, invitations (the patient's phone number or email), consent and checklist records;",
			"what the DPO writes in the breach log and the software register.",
			"The server cannot see: the text of messages, attachments, handover notes or METHANE reports; consultation video, audio or in-call chat; the content of pushes, which it never has.",
		}})
	p.Sections = append(p.Sections, Section{Heading: PackRetention, Paragraphs: []string{sb.Retention, s.holdsLine(ctx, org.ID),
		"Deleted messages are overwritten in SQLite's files at once; on PostgreSQL, VACUUM reclaims them. Backups keep deleted data until they expire. The breach log and register keep their history."}})
	p.Sections = append(p.Sections, Section{Heading: PackProcessors, Paragraphs: []string{sb.SubProcessors, "Hosting: " + sb.Hosting}})
	p.Sections = append(p.Sections, Section{Heading: PackControls, Bullets: []string{
		fmt.Sprintf("Passwords: at least %d characters, checked against a deny list of common passwords (NCSC advice), stored as argon2id hashes.", identity.MinPasswordLength),
		"Multi-factor authentication: a TOTP authenticator code at every sign-in; accounts lock after repeated failures.",
		fmt.Sprintf("App lock: secure messaging on each device is encrypted under a PIN; it erases itself after %d wrong PINs.", org.Policy.Attempts()),
		fmt.Sprintf("Idle time-out: %d minutes, for sessions and the device's messaging store; no session lasts more than 12 hours.", int(org.Policy.IdleTimeout/time.Minute)),
		"Content-free push: notifications carry a fixed sentence, never a sender, conversation or text.",
		"Devices: each belongs to one person; revoking one (or reporting it lost) signs it out and removes it from its conversations at once.",
		sb.Encryption,
	}})
	guidance := &Table{Columns: []string{"#", "NHS guidance", "How Switchboard enforces it"}}
	for _, g := range Enforced {
		guidance.Rows = append(guidance.Rows, []string{g.ID, g.Guidance, g.Mechanism})
	}
	p.Sections = append(p.Sections, Section{Heading: PackGuidance, Table: guidance})

	screening := &Table{Columns: []string{"Question", "Answer"}}
	for _, q := range Screening {
		a := "No"
		if sb.Screening[q.ID] {
			a = "Yes"
		}
		if sb.Version == 0 {
			a = "Not yet answered"
		}
		screening.Rows = append(screening.Rows, []string{q.Text, a})
	}
	verdict := "The DPO has not yet reviewed Switchboard in the software register."
	if sb.Version > 0 {
		verdict = fmt.Sprintf("Status in the software register: %s; lawful basis: %s; next review %s. Full DPIA needed: %s.",
			sb.Status, sb.LawfulBasis, sb.NextReview.Format(time.DateOnly), map[bool]string{true: "yes", false: "no"}[sb.FullDPIANeeded()])
	}
	p.Sections = append(p.Sections, Section{Heading: PackScreening, Paragraphs: []string{verdict}, Table: screening})

	hz := &Table{Columns: []string{"ID", "Hazard", "Description", "Causes", "Effect", "Harm", "Existing controls", "Initial risk",
		"Additional controls", "Residual risk", "Owner", "Status"}}
	for _, h := range hazards {
		hz.Rows = append(hz.Rows, []string{h.ID, h.Name, h.Description, h.Causes, h.Effect, h.Harm, h.ExistingControls,
			fmt.Sprintf("%s / %s: %s", h.InitialSeverity, h.InitialLikelihood, h.InitialRating), h.AdditionalControls,
			fmt.Sprintf("%s / %s: %s", h.ResidualSeverity, h.ResidualLikelihood, h.ResidualRating), h.Owner, h.Status})
	}
	p.Sections = append(p.Sections, Section{Heading: PackHazards, Paragraphs: []string{
		"The hazards the project identified in the manufacturer's clinical risk management (DCB0129), with severity / likelihood: risk rating (1 lowest to 5 highest), for the organisation's DCB0160 hazard log."},
		Table: hz})
	return p, nil
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "a TURN relay"
	}
	return s
}

// holdsLine says how many legal holds are in force.
func (s *Service) holdsLine(ctx context.Context, orgID string) string {
	if s.records == nil {
		return "Legal holds are read by the running server."
	}
	hs, err := s.records.Holds(ctx, orgID)
	if err != nil {
		return "The legal holds could not be read just now."
	}
	n := 0
	for _, h := range hs {
		if h.ReleasedAt == nil {
			n++
		}
	}
	switch n {
	case 0:
		return "No legal hold is in force."
	case 1:
		return "1 legal hold is in force: what it covers is kept past its retention until the DPO releases it."
	}
	return fmt.Sprintf("%d legal holds are in force: what they cover is kept past its retention until the DPO releases them.", n)
}
