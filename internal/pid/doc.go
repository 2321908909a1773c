// Package pid finds patient-identifiable data in text a clinician is about
// to send: NHS numbers (with a valid modulus-11 check digit), dates of
// birth, UK postcodes and UK telephone numbers. It returns the byte spans
// and kinds it found so that a composer can highlight them and warn before
// sending (NHS guidance: keep patient data out of chats).
//
// It is pure: no I/O, no clock (the caller passes the current time), no
// state, and it runs unchanged as WebAssembly in the browser. It is a
// safety net, not a guarantee: a match is a reason to look again, and text
// it does not flag may still identify a patient.
package pid
