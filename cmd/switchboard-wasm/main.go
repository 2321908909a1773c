//go:build js && wasm

// Command switchboard-wasm is the messaging client core for the web app,
// compiled to WebAssembly. It sets globalThis.switchboardCore to a small
// promise-based API over internal/client, with the device's store in
// IndexedDB under a key derived from the user's PIN. The page has already
// signed in; the core uses the session cookie and the CSRF token it is
// given. It never hands message content to anything but the page.
package main

import (
	"syscall/js"
)

func main() {
	a := newApp(js.Global().Get("location").Get("origin").String())
	js.Global().Set("switchboardCore", a.exports())
	js.Global().Call("dispatchEvent", js.Global().Get("Event").New("switchboard-core-ready"))
	select {} // the page calls in from here on
}
