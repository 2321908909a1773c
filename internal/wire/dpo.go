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
