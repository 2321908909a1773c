package consult

import (
	"slices"
	"time"
)

// The FHIR R4 types the Encounter export uses: only the elements it fills.

// Encounter is a FHIR R4 Encounter resource.
type Encounter struct {
	ResourceType    string                 `json:"resourceType"`
	ID              string                 `json:"id"`
	Identifier      []Identifier           `json:"identifier,omitempty"`
	Status          string                 `json:"status"`
	Class           Coding                 `json:"class"`
	Type            []CodeableConcept      `json:"type,omitempty"`
	Subject         *Reference             `json:"subject,omitempty"`
	Participant     []EncounterParticipant `json:"participant,omitempty"`
	Period          *Period                `json:"period,omitempty"`
	ReasonCode      []CodeableConcept      `json:"reasonCode,omitempty"`
	ServiceProvider *Reference             `json:"serviceProvider,omitempty"`
	Extension       []Extension            `json:"extension,omitempty"`
}

// Identifier is a FHIR Identifier.
type Identifier struct {
	System string `json:"system"`
	Value  string `json:"value"`
}

// Coding is a FHIR Coding.
type Coding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display,omitempty"`
}

// CodeableConcept is a FHIR CodeableConcept.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// Reference is a FHIR Reference by identifier or display only.
type Reference struct {
	Identifier *Identifier `json:"identifier,omitempty"`
	Display    string      `json:"display,omitempty"`
}

// Period is a FHIR Period.
type Period struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

// EncounterParticipant is a FHIR Encounter.participant.
type EncounterParticipant struct {
	Type       []CodeableConcept `json:"type,omitempty"`
	Period     *Period           `json:"period,omitempty"`
	Individual *Reference        `json:"individual,omitempty"`
}

// Extension is a FHIR Extension with the value types the export uses.
type Extension struct {
	URL           string      `json:"url"`
	ValueString   string      `json:"valueString,omitempty"`
	ValueDateTime string      `json:"valueDateTime,omitempty"`
	ValueBoolean  *bool       `json:"valueBoolean,omitempty"`
	Extension     []Extension `json:"extension,omitempty"`
}

// FHIR code systems and identifiers used in the export.
const (
	systemActCode       = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
	systemParticipation = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
	systemODS           = "https://fhir.nhs.uk/Id/ods-organization-code"
	systemConsultation  = "urn:switchboard:consultation"
	extensionBase       = "https://switchboard-nhs.github.io/fhir/StructureDefinition/"
)

func fhirTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

var encounterStatus = map[Status]string{
	StatusScheduled: "planned", StatusLive: "in-progress", StatusEnded: "finished", StatusCancelled: "cancelled",
}

// ExportContext is what the export needs beyond the consultation itself.
type ExportContext struct {
	ODS           string
	ClinicianName string
}

// Encounter returns the consultation record as a FHIR R4 Encounter: times,
// participants and their roles, the checklist, consent events and mode
// changes, and the outcome. It never holds media or chat: the server has
// neither.
func (d *Detail) Encounter(x ExportContext) Encounter {
	c := d.Consultation
	e := Encounter{
		ResourceType: "Encounter", ID: c.ID,
		Identifier:      []Identifier{{System: systemConsultation, Value: c.ID}},
		Status:          encounterStatus[c.Status],
		Class:           Coding{System: systemActCode, Code: "VR", Display: "virtual"},
		Type:            []CodeableConcept{{Text: "Video consultation"}},
		Subject:         &Reference{Display: c.PatientName},
		ServiceProvider: &Reference{Identifier: &Identifier{System: systemODS, Value: x.ODS}, Display: c.Practice},
		Participant: []EncounterParticipant{{
			Type:       []CodeableConcept{{Coding: []Coding{{System: systemParticipation, Code: "PPRF", Display: "primary performer"}}}},
			Individual: &Reference{Display: x.ClinicianName},
		}},
	}
	if !c.StartedAt.IsZero() {
		e.Period = &Period{Start: fhirTime(c.StartedAt), End: fhirTime(c.EndedAt)}
	}
	if c.Reason != "" {
		e.ReasonCode = []CodeableConcept{{Text: c.Reason}}
	}
	for _, p := range d.Participants {
		if p.Role == RolePatient || p.AdmittedAt.IsZero() {
			continue
		}
		e.Participant = append(e.Participant, EncounterParticipant{
			Type:       []CodeableConcept{{Coding: []Coding{{System: systemParticipation, Code: "PART", Display: "Participation"}}, Text: string(p.Role)}},
			Period:     &Period{Start: fhirTime(p.AdmittedAt)},
			Individual: &Reference{Display: p.Label},
		})
	}
	e.Extension = d.recordExtensions()
	return e
}

func ext(name, value string) Extension { return Extension{URL: name, ValueString: value} }

func (d *Detail) recordExtensions() []Extension {
	c := d.Consultation
	var out []Extension
	if ck := c.Checklist; ck != nil {
		yes := ck.PrivateSpace
		out = append(out, Extension{URL: extensionBase + "opening-checklist", Extension: []Extension{
			ext("identityVerification", ck.IdentityMethod+detailSuffix(ck.IdentityDetail)),
			{URL: "privateSpace", ValueBoolean: &yes},
			ext("othersPresent", ck.OthersPresent),
			ext("fallbackPhone", ck.FallbackPhone),
			{URL: "completed", ValueDateTime: fhirTime(ck.CompletedAt)},
		}})
	}
	for _, r := range d.Records {
		switch r.Kind {
		case RecordConsent:
			role := "participant"
			if i := slices.IndexFunc(d.Participants, func(p *Participant) bool { return p.ID == r.ParticipantID }); i >= 0 {
				role = string(d.Participants[i].Role)
			}
			out = append(out, Extension{URL: extensionBase + "implied-consent", Extension: []Extension{
				ext("role", role), ext("statementVersion", r.Detail["version"]), {URL: "at", ValueDateTime: fhirTime(r.At)},
			}})
		case RecordMode:
			out = append(out, Extension{URL: extensionBase + "mode-change", Extension: []Extension{
				ext("from", r.Detail["from"]), ext("to", r.Detail["to"]), ext("trigger", r.Detail["trigger"]),
				{URL: "at", ValueDateTime: fhirTime(r.At)},
			}})
		}
	}
	if c.Outcome != "" {
		out = append(out, Extension{URL: extensionBase + "outcome", ValueString: c.Outcome})
	}
	return out
}

func detailSuffix(s string) string {
	if s == "" {
		return ""
	}
	return ": " + s
}
