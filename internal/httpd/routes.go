package httpd

// routes lists the whole HTTP surface in one place, so that an
// authorisation test can walk it. Every /api route but the pre-sign-in ones
// (setup, enrolment, sign-in) goes through authed.
func (s *Server) routes() {
	s.handle("GET /healthz", s.handleHealth)
	s.mux.Handle("GET /metrics", s.handleMetrics())

	s.handle("GET /api/setup/{token}", s.public(s.handleSetupCheck))
	s.handle("POST /api/setup", s.public(s.handleSetup))
	s.handle("GET /api/enrol/{token}", s.public(s.handleEnrolInfo))
	s.handle("POST /api/enrol/password", s.public(s.handleEnrolPassword))
	s.handle("POST /api/enrol/confirm", s.public(s.handleEnrolConfirm))
	s.handle("POST /api/session", s.public(s.handleSignIn))

	s.handle("DELETE /api/session", s.authed(s.handleSignOut))
	s.handle("GET /api/me", s.authed(s.handleMe))
	s.handle("GET /api/me/sessions", s.authed(s.handleMySessions))
	s.handle("DELETE /api/me/sessions/{id}", s.authed(s.handleEndSession))
	s.handle("GET /api/me/devices", s.authed(s.handleMyDevices))
	s.handle("DELETE /api/me/devices/{id}", s.authed(s.handleRevokeMyDevice))

	s.handle("GET /api/admin/users", s.authed(s.handleListUsers))
	s.handle("POST /api/admin/users", s.authed(s.handleAddUser))
	s.handle("GET /api/admin/devices", s.authed(s.handleOrgDevices))
	s.handle("POST /api/admin/devices/{id}/signout", s.authed(s.handleSignOutDevice))
	s.handle("POST /api/admin/devices/{id}/revoke", s.authed(s.handleRevokeDevice))
	s.handle("GET /api/admin/policy", s.authed(s.handleGetPolicy))
	s.handle("PUT /api/admin/policy", s.authed(s.handleSetPolicy))

	s.handle("GET /api/audit", s.authed(s.handleAudit))

	s.handle("/api/", s.handleNoAPI)
	s.handle("/", s.handleWeb)
}
