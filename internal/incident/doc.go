// Package incident holds the rules of duty roles and major incidents:
// who holds which duty role from when to when (the rota), conversations
// with a role whose membership follows its holder, urgent messages that
// must be acknowledged and escalate when they are not, and major
// incidents declared to call-in lists with a live roll-call board.
//
// The server knows who holds which role, who was alerted, and when each
// person acknowledged or answered. It never knows what was said: urgent
// messages, METHANE reports and handover notes travel end to end
// encrypted in MLS conversations, and every notification it sends is
// content-free.
package incident
