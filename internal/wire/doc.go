// Package wire is the contract between the Switchboard server and its
// clients, written once: the JSON bodies of the messaging API, the frames
// of the messaging socket, and the credential identity the authentication
// service signs. The server (internal/messaging, internal/httpd) and the
// client core (internal/client, native and WebAssembly) both import it,
// and the web app's TypeScript types are generated from it (wire.gen.ts,
// see gen.go), so none of them can drift from the others.
//
// It imports only the standard library and holds no behaviour beyond
// encoding, decoding and checking these values: never message content,
// which travels inside MLS ciphertext the server cannot read.
package wire
