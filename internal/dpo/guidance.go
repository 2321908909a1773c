package dpo

// Guidance is one row of the NHS guidance Switchboard enforces, as the
// README's table and the DPIA pack show it.
type Guidance struct {
	ID        string
	Guidance  string
	Mechanism string
}

// Enforced lists the rows of the NHS guidance that this version enforces;
// the README's "NHS guidance enforced" table is these rows (a test checks).
var Enforced = []Guidance{
	{"G1", "Use only tools meeting the NHS encryption standard, end to end", "MLS (RFC 9420) between devices; the server stores and relays ciphertext only"},
	{"G2", "Hide message previews on the lock screen", "Pushes carry a fixed sentence: no content, sender or conversation name"},
	{"G3", "Passcode, and lock after a short idle time", "The device's messaging store is encrypted under a PIN and locks at the organisation's idle limit; sessions end on idle too"},
	{"G4", "Nobody else uses the device; remote wipe", "Every device belongs to one person; revoking it signs it out, removes it from its conversations and tells it to erase its store"},
	{"G5", "Minimise patient-identifiable data", "The composer detects NHS numbers, dates of birth, postcodes and phone numbers and warns before sending; the breach log refuses NHS numbers"},
	{"G8", "Coordinate a major incident", "Declare to call-in lists, content-free alerts, a live roll-call board, stand-down and the incident log"},
	{"G9", "Consent implied by accepting the invite and entering", "The join page shows a versioned statement; entering records the consent"},
	{"G10", "Validate identity verbally; private space; declare others present", "An opening checklist the clinician completes before the consultation proceeds"},
	{"G11", "Hold joiners in a waiting area until identity is verified", "Everyone waits until the clinician lets them in"},
	{"G12", "The DPO keeps a log of approved software with a light impact assessment", "The software register with the ICO's DPIA screening, published as a page, CSV and JSON"},
	{"G13", "The DPO supports staff after breaches or complaints", "The breach and complaint log with the 72-hour ICO clock and reminders; a lost device opens a near miss"},
	{"G14", "Strong passwords and a second factor", "NCSC password policy with a deny list of common passwords (argon2id), TOTP at every sign-in, lockout after failures"},
	{"G15", "Share information after a consultation securely", "The consultation outcome exported as FHIR for the record"},
	{"G16", "Secure audit", "An append-only, hash-chained audit log of every privileged action, verifiable offline; never message content"},
	{"G18", "Verify users are who they say they are", "Accounts created by the organisation, professional registration numbers, MLS credentials bound to the account, safety codes to compare"},
	{"G19", "Report video consultation activity without patient identifiers", "The weekly S97 activity export: counts only"},
}

// GuidanceTable is Enforced as the README's Markdown table.
func GuidanceTable() string {
	s := "| # | NHS guidance | How Switchboard enforces it |\n|---|---|---|\n"
	for _, g := range Enforced {
		s += "| " + g.ID + " | " + g.Guidance + " | " + g.Mechanism + " |\n"
	}
	return s
}
