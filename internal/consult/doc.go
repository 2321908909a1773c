// Package consult is the video consultation capability: scheduling, invite
// links, the waiting room, implied consent, the clinician's opening
// checklist, changes of mode, the outcome, and the record that can be
// exported as a FHIR R4 Encounter or counted in the weekly S97 report.
//
// Invariants:
//
//   - The server never carries media or in-call chat. Media flows browser to
//     browser (DTLS-SRTP), relayed at most by TURN, and chat uses a WebRTC
//     data channel. The signalling relay (Room) forwards session
//     descriptions and ICE candidates only, and only between admitted
//     participants of the same consultation.
//   - A patient's or guest's browser only ever talks to the consultation its
//     invite was made for: its link names one participant of one
//     consultation, and every call it makes is scoped by that link.
//   - Invite links are single-use: the first browser to enter claims the
//     link, and it then works only in that browser, and only until the
//     consultation ends or the slot has passed. Only the hash of the link's
//     token, and of the browser's claim, is stored.
//   - Nobody bypasses the waiting room: every participant other than the
//     clinician, including guests the clinician invited, waits until the
//     clinician admits them, one at a time.
//   - Entering records an immutable consent event naming the version of the
//     statement shown (G9); records are appended, never changed.
//   - No one but the first person admitted joins before the clinician has
//     completed the opening checklist (G10), and the outcome cannot be
//     written without it.
//   - Audit entries, errors, logs and metrics carry IDs, roles and modes,
//     never patient names, contact details or reasons. SMS and email bodies
//     hold only the link, the practice's name and the time.
package consult
