// Package dpo holds the data protection officer's tools: the breach and
// complaint log with the 72-hour ICO clock and its reminders, and the
// near-miss entry opened when someone reports a device lost or stolen.
//
// Invariants: an entry's summary and actions are free text the DPO writes,
// kept server-side only; they are refused if they hold a valid NHS number,
// and they never reach a log line, an error, a metric or a push. Reminders
// are content-free pushes ("open Switchboard"), the page says the rest.
// Every change and every view of the log is in the audit chain.
package dpo
