package consult

// ConsentVersion is the version of the consent statement the join page
// shows now. A new wording gets a new version and the old one stays in
// Statements, so that every consent event can be read against the words
// the person saw.
const ConsentVersion = "2026-11-1"

// Statements holds every version of the consent statement ever shown.
var Statements = map[string]string{
	"2026-11-1": "This is a video consultation with a health professional. " +
		"By selecting Enter you agree to take part. " +
		"The video and sound go directly between your device and the people in the call; they are not recorded or kept by the practice's system. " +
		"The health professional will check who you are at the start, and will write a note of the consultation in your health record, as for a face-to-face appointment. " +
		"Make sure you are somewhere private. If anyone else is with you, tell the health professional. " +
		"You can leave at any time, and you can ask for a telephone or face-to-face appointment instead.",
}
