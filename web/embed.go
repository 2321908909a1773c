// Package web holds the built web client (web/dist, made by `npm run build`
// in this directory), embedded into the binary.
package web

import "embed"

// Dist is the built web client. It holds only a placeholder until the
// client is built.
//
//go:embed all:dist
var Dist embed.FS
