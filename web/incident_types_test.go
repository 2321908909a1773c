package web

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-nhs/switchboard/internal/wire"
	"github.com/switchboard-nhs/switchboard/internal/wire/tsgen"
)

// generatedIncident is the TypeScript module written from the duty-role
// and major-incident API's wire types.
const generatedIncident = "src/incident/types.gen.ts"

// TestGeneratedTypesIncident fails when src/incident/types.gen.ts differs
// from the wire types; `go generate ./web` rewrites it (the go:generate
// line in types_test.go runs every TestGeneratedTypes test).
func TestGeneratedTypesIncident(t *testing.T) {
	got, err := tsgen.Generate(`// Code generated from the Go types of internal/wire by `+"`go generate ./web`"+`; DO NOT EDIT.
// The duty-role, urgent-message and major-incident API speaks these, as JSON.
`, []tsgen.Type{
		tsgen.Of[wire.Person]("Person", "Person is someone in the organisation, as the directory shows them."),
		tsgen.Of[wire.DutyRole]("DutyRole", "DutyRole is a duty role with whoever holds it now."),
		tsgen.Of[wire.DutyRoles]("DutyRoles", "DutyRoles is the answer of GET /api/duty."),
		tsgen.Of[wire.NewDutyRole]("NewDutyRole", "NewDutyRole is the body of POST /api/admin/duty."),
		tsgen.Of[wire.Shift]("Shift", "Shift is one entry of a role's rota."),
		tsgen.Of[wire.Rota]("Rota", "Rota is the answer of GET /api/duty/{id}/rota."),
		tsgen.Of[wire.NewShift]("NewShift", "NewShift is the body of POST /api/admin/duty/{id}/rota."),
		tsgen.Of[wire.CallList]("CallList", "CallList is a call-in list."),
		tsgen.Of[wire.CallLists]("CallLists", "CallLists is the answer of GET /api/calllists."),
		tsgen.Of[wire.NewCallList]("NewCallList", "NewCallList is the body of POST /api/admin/calllists."),
		tsgen.Of[wire.Recipient]("Recipient", "Recipient is someone who must acknowledge an urgent message."),
		tsgen.Of[wire.Urgent]("Urgent", "Urgent is an urgent message's state."),
		tsgen.Of[wire.UrgentList]("UrgentList", "UrgentList is the answer of GET /api/urgent and GET /api/conversations/{id}/urgent."),
		tsgen.Of[wire.IncidentList]("IncidentList", "IncidentList is a call-in list an incident alerted."),
		tsgen.Of[wire.Incident]("Incident", "Incident is a major incident or standby alert."),
		tsgen.Of[wire.Incidents]("Incidents", "Incidents is the answer of GET /api/incidents."),
		tsgen.Of[wire.Respond]("Respond", "Respond is the body of POST /api/incidents/{id}/response."),
		tsgen.Of[wire.Answer]("Answer", "Answer is one person's line on the roll-call board."),
		tsgen.Of[wire.Tally]("Tally", "Tally counts the answers of one group on the board."),
		tsgen.Of[wire.Board]("Board", "Board is the live roll-call board."),
		tsgen.Of[wire.LogEntry]("LogEntry", "LogEntry is one line of an incident's server-held timeline."),
		tsgen.Of[wire.IncidentLog]("IncidentLog", "IncidentLog is what the server holds of an incident."),
	})
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("SWITCHBOARD_WRITE_TYPES") != "" {
		if err := os.WriteFile(filepath.FromSlash(generatedIncident), []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(filepath.FromSlash(generatedIncident))
	if err != nil {
		t.Fatalf("%v; run go generate ./web", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s is out of date with the Go types; run go generate ./web (-file +Go):\n%s", generatedIncident, diff)
	}
}
