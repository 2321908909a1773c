// Package records holds the records rules of conversations: each
// conversation's kind, how long each kind is kept in an organisation,
// messages filed to the patient's record and then deleted everywhere
// with a receipt from each device, and legal holds that pause deletion.
//
// The server deletes what it stores (stream entries, attachments,
// Welcome leftovers) and appends to the conversation's stream an entry it
// signs, naming what went, so that every member's device deletes its own
// copy and, for a filing, confirms that it has. Devices also apply the
// retention rules themselves, so one that was offline deletes on its next
// start. The server never knows what was filed or where to: that travels
// end to end encrypted inside the conversation.
package records
