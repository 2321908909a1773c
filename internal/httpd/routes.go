package httpd

// routes lists the whole HTTP surface in one place. Every /api route is
// registered through public (no session: setup, enrolment, sign-in) or
// authed (a session), and Routes reports which, so that a test can walk the
// whole surface.
func (s *Server) routes() {
	s.handle("GET /healthz", s.handleHealth)
	s.mux.Handle("GET /metrics", s.handleMetrics())

	s.public("GET /api/setup/{token}", s.handleSetupCheck)
	s.public("POST /api/setup", s.handleSetup)
	s.public("GET /api/enrol/{token}", s.handleEnrolInfo)
	s.public("POST /api/enrol/password", s.handleEnrolPassword)
	s.public("POST /api/enrol/confirm", s.handleEnrolConfirm)
	s.public("POST /api/session", s.handleSignIn)

	s.authed("DELETE /api/session", s.handleSignOut)
	s.authed("GET /api/me", s.handleMe)
	s.authed("GET /api/me/sessions", s.handleMySessions)
	s.authed("DELETE /api/me/sessions/{id}", s.handleEndSession)
	s.authed("GET /api/me/devices", s.handleMyDevices)
	s.authed("DELETE /api/me/devices/{id}", s.handleRevokeMyDevice)

	s.authed("GET /api/admin/users", s.handleListUsers)
	s.authed("POST /api/admin/users", s.handleAddUser)
	s.authed("POST /api/admin/users/{id}/enrolment", s.handleReissueEnrolment)
	s.authed("GET /api/admin/devices", s.handleOrgDevices)
	s.authed("POST /api/admin/devices/{id}/signout", s.handleSignOutDevice)
	s.authed("POST /api/admin/devices/{id}/revoke", s.handleRevokeDevice)
	s.authed("GET /api/admin/policy", s.handleGetPolicy)
	s.authed("PUT /api/admin/policy", s.handleSetPolicy)

	s.authed("GET /api/audit", s.handleAudit)
	s.authed("GET /api/directory", s.handleDirectory)
	s.authed("POST /api/pid/overrides", s.handlePIDOverride)

	s.authed("GET /api/consultations", s.handleListConsultations)
	s.authed("POST /api/consultations", s.handleSchedule)
	s.authed("GET /api/consultations/{id}", s.handleGetConsultation)
	s.authed("POST /api/consultations/{id}/guests", s.handleAddGuest)
	s.authed("POST /api/consultations/{id}/admit", s.handleAdmit)
	s.authed("PUT /api/consultations/{id}/checklist", s.handleChecklist)
	s.authed("POST /api/consultations/{id}/mode", s.handleMode)
	s.authed("POST /api/consultations/{id}/end", s.handleEndConsultation)
	s.authed("PUT /api/consultations/{id}/outcome", s.handleOutcome)
	s.authed("GET /api/consultations/{id}/fhir", s.handleFHIR)
	s.authed("GET /api/consultations/{id}/ws", s.handleConsultSocket)
	s.authed("GET /api/reports/consultations", s.handleActivityReport)
	s.public("GET /api/join/{token}", s.handleJoinInfo)
	s.public("POST /api/join/{token}/enter", s.handleEnter)
	s.public("GET /api/join/{token}/ws", s.handleJoinSocket)
	s.handle("GET /join/{token}", s.handleJoinPage)

	s.authed("GET /api/mls/service", s.handleMLSService)
	s.authed("PUT /api/mls/credential", s.handlePutCredential)
	s.authed("POST /api/keypackages", s.handleUploadKeyPackages)
	s.authed("POST /api/keypackages/claim", s.handleClaimKeyPackages)
	s.authed("GET /api/keypackages/stock", s.handleKeyPackageStock)
	s.authed("POST /api/conversations", s.handleCreateConversation)
	s.authed("GET /api/conversations", s.handleListConversations)
	s.authed("POST /api/conversations/{id}/commits", s.handleCommit)
	s.authed("POST /api/conversations/{id}/messages", s.handleSend)
	s.authed("GET /api/conversations/{id}/messages", s.handleMessages)
	s.authed("POST /api/conversations/{id}/cursor", s.handleCursor)
	s.authed("GET /api/conversations/{id}/receipts", s.handleReceipts)
	s.authed("POST /api/conversations/{id}/attachments", s.handlePutAttachment)
	s.authed("GET /api/attachments/{id}", s.handleGetAttachment)
	s.authed("GET /api/welcomes", s.handleWelcomes)
	s.authed("DELETE /api/welcomes/{id}", s.handleDeleteWelcome)
	s.authed("POST /api/push/subscriptions", s.handlePushSubscribe)
	s.authed("DELETE /api/push/subscriptions", s.handlePushUnsubscribe)
	s.authed("GET /api/push/vapid", s.handleVAPID)
	s.authed("GET /api/ws", s.handleWS)

	s.handle("/api/", s.handleNoAPI)
	s.handle("/", s.handleWeb)
}
