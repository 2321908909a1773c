package wire

// The data protection officer's API (docs/dpo.md). Times are RFC 3339
// strings; an empty one is not set.

// Breach is one entry of the breach and complaint log.
type Breach struct {
	ID         string `json:"id"`
	Kind       string `json:"kind"`     // breach, near-miss or complaint
	Category   string `json:"category"` // one of BreachLog.Categories
	Summary    string `json:"summary"`
	Affected   int    `json:"affected"`
	Actions    string `json:"actions"`
	Reportable bool   `json:"reportable"`
	AwareAt    string `json:"aware_at"`
	OpenedAt   string `json:"opened_at"`
	OpenedBy   string `json:"opened_by"` // a name, or "the server console"
	ReportedAt string `json:"reported_at,omitempty"`
	ClosedAt   string `json:"closed_at,omitempty"`
	// Deadline is when the ICO must be told, for a reportable entry.
	Deadline string `json:"deadline,omitempty"`
	// Clocked: open, reportable and not yet reported, so the clock runs.
	Clocked bool `json:"clocked"`
	// RemindedHours is the last reminder sent (24, 48 or 66), 0 for none.
	RemindedHours int    `json:"reminded_hours"`
	Device        string `json:"device,omitempty"` // the lost device's ID
	Version       int64  `json:"version"`
	// History is the entry's history, oldest first (GET of one entry only).
	History []BreachEvent `json:"history,omitempty"`
}

// BreachEvent is one line of an entry's history.
type BreachEvent struct {
	At     string `json:"at"`
	Actor  string `json:"actor"` // a name, "the server" or "the server console"
	Action string `json:"action"`
	Note   string `json:"note"`
}

// BreachLog is the answer of GET /api/dpo/breaches.
type BreachLog struct {
	Breaches []Breach `json:"breaches"`
	// Now is the server's time, from which a page runs the clocks.
	Now        string   `json:"now"`
	Kinds      []string `json:"kinds"`
	Categories []string `json:"categories"`
	// CanChange: the caller is the DPO (admins read only).
	CanChange bool `json:"can_change"`
}

// NewBreach is the body of POST /api/dpo/breaches.
type NewBreach struct {
	Kind       string `json:"kind,omitempty"` // default breach
	Category   string `json:"category"`
	Summary    string `json:"summary"`
	Affected   int    `json:"affected,omitempty"`
	Actions    string `json:"actions,omitempty"`
	Reportable bool   `json:"reportable,omitempty"`
	AwareAt    string `json:"aware_at,omitempty"` // default now
}

// BreachChange is the body of POST /api/dpo/breaches/{id}: the fields to
// change, the version the DPO saw, and what to record.
type BreachChange struct {
	Version    int64   `json:"version"`
	Summary    *string `json:"summary,omitempty"`
	Affected   *int    `json:"affected,omitempty"`
	Actions    *string `json:"actions,omitempty"`
	Reportable *bool   `json:"reportable,omitempty"`
	Reported   bool    `json:"reported,omitempty"` // the ICO has been told
	Close      bool    `json:"close,omitempty"`
	Reopen     bool    `json:"reopen,omitempty"`
}

// LostDevice is the answer of POST /api/me/devices/{id}/lost and
// POST /api/admin/devices/{id}/lost.
type LostDevice struct {
	Device string `json:"device"`
	Breach string `json:"breach"` // the near-miss entry opened
}

// RegisterQuestion is one question of the ICO's DPIA screening checklist.
type RegisterQuestion struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	// Required: a yes calls for a full DPIA; otherwise it is a criterion,
	// two or more of which do.
	Required bool `json:"required"`
}

// Organisation names the organisation a document is about.
type Organisation struct {
	ODS  string `json:"ods"`
	Name string `json:"name"`
}

// RegisterEntry is one tool of the software register with its light DPIA.
// Dates are YYYY-MM-DD.
type RegisterEntry struct {
	ID             string          `json:"id"`
	Name           string          `json:"name"`
	Supplier       string          `json:"supplier"`
	Purpose        string          `json:"purpose"`
	DataCategories string          `json:"data_categories"`
	LawfulBasis    string          `json:"lawful_basis"`
	Hosting        string          `json:"hosting"`
	Encryption     string          `json:"encryption"`
	Retention      string          `json:"retention"`
	SubProcessors  string          `json:"sub_processors"`
	Status         string          `json:"status"`
	ApprovedOn     string          `json:"approved_on,omitempty"`
	Approver       string          `json:"approver,omitempty"`
	NextReview     string          `json:"next_review"`
	Overdue        bool            `json:"overdue"` // the review date has passed
	Screening      map[string]bool `json:"screening"`
	FullDPIANeeded bool            `json:"full_dpia_needed"`
	// Builtin: Switchboard itself, its technical fields read from the
	// running server.
	Builtin   bool   `json:"builtin"`
	UpdatedAt string `json:"updated_at"`
	UpdatedBy string `json:"updated_by"`
	Version   int64  `json:"version"` // 0: Switchboard's entry, not yet reviewed
}

// RegisterChange is one line of the register's change history.
type RegisterChange struct {
	At    string `json:"at"`
	Entry string `json:"entry"` // the entry's ID
	Actor string `json:"actor"`
	Note  string `json:"note"`
}

// SoftwareRegister is the published register (GET /register.json; its
// JSON Schema is docs/register.schema.json).
type SoftwareRegister struct {
	Organisation Organisation       `json:"organisation"`
	GeneratedAt  string             `json:"generated_at"`
	Questions    []RegisterQuestion `json:"screening_questions"`
	LawfulBases  []string           `json:"lawful_bases"`
	Statuses     []string           `json:"statuses"`
	Entries      []RegisterEntry    `json:"entries"`
	Changes      []RegisterChange   `json:"changes"`
}

// RegisterInput is the body of POST /api/dpo/register and PUT
// /api/dpo/register/{id}. Dates are YYYY-MM-DD.
type RegisterInput struct {
	Version        int64           `json:"version"`
	Name           string          `json:"name"`
	Supplier       string          `json:"supplier"`
	Purpose        string          `json:"purpose"`
	DataCategories string          `json:"data_categories"`
	LawfulBasis    string          `json:"lawful_basis"`
	Hosting        string          `json:"hosting"`
	Encryption     string          `json:"encryption"`
	Retention      string          `json:"retention"`
	SubProcessors  string          `json:"sub_processors"`
	Status         string          `json:"status"`
	ApprovedOn     string          `json:"approved_on,omitempty"`
	Approver       string          `json:"approver,omitempty"`
	NextReview     string          `json:"next_review"`
	Screening      map[string]bool `json:"screening"`
}
