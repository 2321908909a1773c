package web

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-nhs/switchboard/internal/client"
	"github.com/switchboard-nhs/switchboard/internal/wire"
	"github.com/switchboard-nhs/switchboard/internal/wire/tsgen"
)

// generated is the TypeScript module written from the client core's Go
// types, which the pages import instead of copying them; incidentTypes
// is the one written from the wire types of duty roles and incidents.
const (
	generated     = "src/messaging/types.gen.ts"
	incidentTypes = "src/incident/types.gen.ts"
	recordsTypes  = "src/records/types.gen.ts"
	dpoTypes      = "src/dpo/types.gen.ts"
)

//go:generate env SWITCHBOARD_WRITE_TYPES=1 go test -run TestGeneratedTypes .

// TestGeneratedTypes fails when src/messaging/types.gen.ts differs from
// what the Go types say; `go generate ./web` rewrites it.
func TestGeneratedTypes(t *testing.T) {
	t.Run("messaging", func(t *testing.T) { checkGenerated(t, generated, messagingTypes) })
	t.Run("incident", func(t *testing.T) { checkGenerated(t, incidentTypes, incidentWire) })
	t.Run("records", func(t *testing.T) { checkGenerated(t, recordsTypes, recordsWire) })
	t.Run("dpo", func(t *testing.T) { checkGenerated(t, dpoTypes, dpoWire) })
}

func messagingTypes() (string, error) {
	return tsgen.Generate(`// Code generated from the Go types of internal/client by `+"`go generate ./web`"+`; DO NOT EDIT.
// The client core (Go compiled to WebAssembly) answers with these, as JSON.
`, []tsgen.Type{
		tsgen.Of[client.Message]("Message", "Message is one decrypted message as the device keeps and shows it."),
		tsgen.Of[client.Member]("Member", "Member is a device in a conversation."),
		tsgen.Of[client.Summary]("Summary", "Summary is a conversation with its unread count and last activity."),
		tsgen.Of[client.Person]("Person", "Person is a member as the members page shows them, with their safety-code state."),
		tsgen.Of[client.Records]("Records", "Records is how long a conversation's messages are kept, as the device last heard."),
		tsgen.Of[client.Filed]("Filed", "Filed is a filing to the record as the filer's device made it."),
	})
}

func incidentWire() (string, error) {
	return tsgen.Generate(`// Code generated from the Go types of internal/wire by `+"`go generate ./web`"+`; DO NOT EDIT.
// The duty-role, urgent-message and major-incident API answers with these, as JSON.
`, []tsgen.Type{
		tsgen.Of[wire.Person]("Colleague", "Colleague is someone in the organisation, as the directory shows them."),
		tsgen.Of[wire.DutyRole]("DutyRole", "DutyRole is a duty role with whoever holds it now."),
		tsgen.Of[wire.DutyRoles]("DutyRoles", "DutyRoles is the answer of GET /api/duty."),
		tsgen.Of[wire.Shift]("Shift", "Shift is one entry of a role's rota."),
		tsgen.Of[wire.Rota]("Rota", "Rota is the answer of GET /api/duty/{id}/rota."),
		tsgen.Of[wire.CallList]("CallList", "CallList is a call-in list."),
		tsgen.Of[wire.CallLists]("CallLists", "CallLists is the answer of GET /api/calllists."),
		tsgen.Of[wire.Recipient]("Recipient", "Recipient is someone who must acknowledge an urgent message."),
		tsgen.Of[wire.Urgent]("Urgent", "Urgent is an urgent message's state."),
		tsgen.Of[wire.UrgentList]("UrgentList", "UrgentList lists urgent messages."),
		tsgen.Of[wire.IncidentList]("IncidentList", "IncidentList is a call-in list an incident alerted."),
		tsgen.Of[wire.Incident]("Incident", "Incident is a major incident or standby alert."),
		tsgen.Of[wire.Incidents]("Incidents", "Incidents is the answer of GET /api/incidents."),
		tsgen.Of[wire.Answer]("Answer", "Answer is one person's line on the roll-call board."),
		tsgen.Of[wire.Tally]("Tally", "Tally counts the answers of one group on the board."),
		tsgen.Of[wire.Board]("Board", "Board is the live roll-call board."),
		tsgen.Of[wire.LogEntry]("LogEntry", "LogEntry is one line of an incident's timeline."),
		tsgen.Of[wire.IncidentLog]("IncidentLog", "IncidentLog is what the server holds of an incident."),
	})
}

func dpoWire() (string, error) {
	return tsgen.Generate(`// Code generated from the Go types of internal/wire by `+"`go generate ./web`"+`; DO NOT EDIT.
// The data protection officer's API answers with these, as JSON.
`, []tsgen.Type{
		tsgen.Of[wire.BreachEvent]("BreachEvent", "BreachEvent is one line of an entry's history."),
		tsgen.Of[wire.Breach]("Breach", "Breach is one entry of the breach and complaint log."),
		tsgen.Of[wire.BreachLog]("BreachLog", "BreachLog is the answer of GET /api/dpo/breaches."),
		tsgen.Of[wire.NewBreach]("NewBreach", "NewBreach is the body of POST /api/dpo/breaches."),
		tsgen.Of[wire.BreachChange]("BreachChange", "BreachChange is the body of POST /api/dpo/breaches/{id}."),
		tsgen.Of[wire.LostDevice]("LostDevice", "LostDevice is the answer of POST /api/me/devices/{id}/lost."),
		tsgen.Of[wire.RegisterQuestion]("RegisterQuestion", "RegisterQuestion is one question of the ICO's DPIA screening checklist."),
		tsgen.Of[wire.Organisation]("Organisation", "Organisation names the organisation a document is about."),
		tsgen.Of[wire.RegisterEntry]("RegisterEntry", "RegisterEntry is one tool of the software register with its light DPIA."),
		tsgen.Of[wire.RegisterChange]("RegisterChange", "RegisterChange is one line of the register's change history."),
		tsgen.Of[wire.SoftwareRegister]("SoftwareRegister", "SoftwareRegister is the published register (GET /register.json)."),
		tsgen.Of[wire.RegisterInput]("RegisterInput", "RegisterInput is the body of POST /api/dpo/register and PUT /api/dpo/register/{id}."),
	})
}

// checkGenerated compares the module at file with what gen writes, or
// writes it under go generate.
func checkGenerated(t *testing.T, file string, gen func() (string, error)) {
	got, err := gen()
	if err != nil {
		t.Fatal(err)
	}
	generated := file
	if os.Getenv("SWITCHBOARD_WRITE_TYPES") != "" {
		if err := os.MkdirAll(filepath.Dir(filepath.FromSlash(generated)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.FromSlash(generated), []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(filepath.FromSlash(generated))
	if err != nil {
		t.Fatalf("%v; run go generate ./web", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s is out of date with the Go types; run go generate ./web (-file +Go):\n%s", generated, diff)
	}
}

func recordsWire() (string, error) {
	return tsgen.Generate(`// Code generated from the Go types of internal/wire by `+"`go generate ./web`"+`; DO NOT EDIT.
// The records API (retention, filing receipts, legal holds) answers with these, as JSON.
`, []tsgen.Type{
		tsgen.Of[wire.DeletionReceipt]("DeletionReceipt", "DeletionReceipt is one device's confirmation of a deletion."),
		tsgen.Of[wire.Filing]("Filing", "Filing is a filing to the record as the server keeps it, with its deletion receipt."),
		tsgen.Of[wire.RetentionRule]("RetentionRule", "RetentionRule is how long an organisation keeps one kind of conversation."),
		tsgen.Of[wire.Retention]("Retention", "Retention is the answer of GET /api/admin/retention."),
		tsgen.Of[wire.Hold]("Hold", "Hold is a legal hold as the DPO sees it."),
		tsgen.Of[wire.NewHold]("NewHold", "NewHold is the body of POST /api/dpo/holds."),
	})
}
