package httpd

// authzMatrix is what each kind of caller must get from each route
// (routes.go), as HTTP status codes in the order of matrixCallers:
//
//	anonymous  clinician  admin  dpo  outsider
//
// Paths name the objects of the callers' organisation (see pathKinds):
// the clinician's own consultation, a conversation of the clinician and a
// colleague, a duty role the clinician holds, a standby exercise the admin
// declared calling in the clinician, a colleague's account, device and
// session. The outsider, of another organisation and holding every role,
// uses the same IDs and must find none of them (404), while on routes
// without an ID it acts in its own organisation. Bodies are well-formed
// but empty (400 where the caller got through), except where request says.
//
// A new route needs a row here: TestAuthorisationMatrix fails until it
// has one. With SWITCHBOARD_PRINT_MATRIX=1 it prints the answers it got;
// read every changed cell before taking them.
var authzMatrix = map[string]string{
	"GET /healthz":                                      "200 200 200 200 200",
	"GET /readyz":                                       "200 200 200 200 200",
	"GET /metrics":                                      "200 200 200 200 200", // from loopback, as in the test; other addresses need --metrics-allow
	"GET /api/setup/{token}":                            "404 404 404 404 404", // the organisation is set up: no setup link works
	"POST /api/setup":                                   "404 404 404 404 404",
	"GET /api/enrol/{token}":                            "200 200 200 200 200", // the link is the credential: whoever holds it may see whose it is
	"POST /api/enrol/password":                          "404 404 404 404 404",
	"POST /api/enrol/confirm":                           "404 404 404 404 404",
	"POST /api/session":                                 "400 400 400 400 400", // sign-in: the empty body is refused
	"DELETE /api/session":                               "401 204 204 204 204",
	"GET /api/me":                                       "401 200 200 200 200",
	"GET /api/me/sessions":                              "401 200 200 200 200",
	"DELETE /api/me/sessions/{id}":                      "401 404 404 404 404", // a colleague's session: nobody else's to end
	"GET /api/me/devices":                               "401 200 200 200 200",
	"DELETE /api/me/devices/{id}":                       "401 404 404 404 404", // a colleague's device: nobody else's to remove
	"GET /api/admin/users":                              "401 403 200 403 200",
	"POST /api/admin/users":                             "401 403 400 403 400",
	"POST /api/admin/users/{id}/enrolment":              "401 403 201 403 404",
	"PUT /api/admin/users/{id}/roles":                   "401 403 400 403 400",
	"POST /api/admin/users/{id}/disable":                "401 403 200 403 404", // another colleague
	"POST /api/admin/users/{id}/enable":                 "401 403 200 403 404",
	"POST /api/admin/users/{id}/unlock":                 "401 403 200 403 404",
	"GET /api/admin/devices":                            "401 403 200 403 200",
	"POST /api/admin/devices/{id}/signout":              "401 403 204 403 404",
	"POST /api/admin/devices/{id}/revoke":               "401 403 204 403 404",
	"GET /api/admin/policy":                             "401 403 200 403 200",
	"PUT /api/admin/policy":                             "401 403 400 403 400",
	"GET /api/audit":                                    "401 403 200 200 200",
	"GET /api/directory":                                "401 200 200 200 200",
	"POST /api/pid/overrides":                           "401 400 400 400 400",
	"GET /api/reports/pid":                              "401 403 200 200 200",
	"GET /api/consultations":                            "401 200 403 403 200",
	"POST /api/consultations":                           "401 400 403 403 400",
	"GET /api/consultations/{id}":                       "401 200 403 403 404", // the clinician's own; admins and DPOs are not clinicians
	"POST /api/consultations/{id}/guests":               "401 400 403 403 404",
	"POST /api/consultations/{id}/admit":                "401 404 403 403 404", // nobody is waiting to be admitted
	"PUT /api/consultations/{id}/checklist":             "401 400 403 403 404",
	"POST /api/consultations/{id}/mode":                 "401 400 403 403 404",
	"POST /api/consultations/{id}/end":                  "401 200 403 403 404",
	"PUT /api/consultations/{id}/outcome":               "401 400 403 403 404",
	"GET /api/consultations/{id}/fhir":                  "401 200 403 403 404",
	"GET /api/consultations/{id}/ws":                    "401 426 403 403 404", // a socket needs an upgrade
	"GET /api/reports/consultations":                    "401 200 200 200 200", // weekly counts without patient identifiers (S97)
	"GET /api/reviews/consultations":                    "401 403 403 200 200",
	"GET /api/reviews/consultations/{id}":               "401 403 403 200 404", // the DPO reads every consultation's record
	"GET /api/join/{token}":                             "200 200 200 200 200", // the patient's link is the credential, whoever holds it
	"POST /api/join/{token}/enter":                      "400 400 400 400 400",
	"GET /api/join/{token}/ws":                          "403 403 403 403 403", // only the browser that entered on the link, holding its claim
	"GET /join/{token}":                                 "200 200 200 200 200", // the web client's join page
	"GET /api/mls/service":                              "401 200 200 200 200",
	"PUT /api/mls/credential":                           "401 400 400 400 400",
	"POST /api/keypackages":                             "401 200 200 200 200",
	"POST /api/keypackages/claim":                       "401 400 400 400 400",
	"GET /api/keypackages/stock":                        "401 200 200 200 200",
	"POST /api/conversations":                           "401 400 400 400 400",
	"GET /api/conversations":                            "401 200 200 200 200",
	"GET /api/conversations/{id}":                       "401 200 404 404 404", // the clinician is a member; the others are not
	"POST /api/conversations/{id}/leave":                "401 200 404 404 404",
	"POST /api/conversations/{id}/admins":               "401 200 404 404 404",
	"POST /api/conversations/{id}/people":               "401 200 404 404 404",
	"POST /api/conversations/{id}/commits":              "401 400 404 404 404",
	"POST /api/conversations/{id}/messages":             "401 200 404 404 404",
	"GET /api/conversations/{id}/messages":              "401 200 404 404 404",
	"POST /api/conversations/{id}/cursor":               "401 200 404 404 404",
	"GET /api/conversations/{id}/receipts":              "401 200 404 404 404",
	"POST /api/conversations/{id}/attachments":          "401 201 404 404 404",
	"GET /api/attachments/{id}":                         "401 200 404 404 404",
	"GET /api/welcomes":                                 "401 200 200 200 200",
	"DELETE /api/welcomes/{id}":                         "401 404 404 404 404",
	"POST /api/push/subscriptions":                      "401 400 400 400 400",
	"DELETE /api/push/subscriptions":                    "401 204 204 204 204",
	"GET /api/push/vapid":                               "401 200 200 200 200",
	"POST /api/conversations/{id}/urgent":               "401 400 404 404 404",
	"GET /api/conversations/{id}/urgent":                "401 200 404 404 404",
	"POST /api/conversations/{id}/urgent/{message}/ack": "401 409 404 404 404", // the sender does not acknowledge their own
	"GET /api/urgent":                                   "401 200 200 200 200",
	"GET /api/ws":                                       "401 426 426 426 426", // a socket needs an upgrade; signed in is enough to be told so
	"POST /api/poll":                                    "401 200 200 200 200",
	"GET /api/duty":                                     "401 200 200 200 200",
	"GET /api/duty/{id}/rota":                           "401 200 200 200 404",
	"POST /api/duty/{id}/handover":                      "401 400 400 403 404",
	"POST /api/admin/duty":                              "401 403 400 403 400",
	"POST /api/admin/duty/{id}/rota":                    "401 403 400 403 404",
	"GET /api/calllists":                                "401 200 200 200 200",
	"POST /api/admin/calllists":                         "401 403 400 403 400",
	"POST /api/incidents":                               "401 400 400 400 400",
	"GET /api/incidents":                                "401 200 200 200 200",
	"GET /api/incidents/{id}":                           "401 200 200 404 404", // the clinician is called in; the admin declared; the DPO is neither
	"GET /api/incidents/{id}/board":                     "401 200 200 404 404",
	"POST /api/incidents/{id}/response":                 "401 200 403 404 404", // the clinician is called in; the admin commands
	"POST /api/incidents/{id}/standdown":                "401 403 400 404 404", // only the commander (the admin who declared)
	"POST /api/incidents/{id}/commander":                "401 403 400 404 404",
	"POST /api/incidents/{id}/close":                    "401 403 204 404 404",
	"GET /api/incidents/{id}/log":                       "401 403 200 404 404",
	"POST /api/incidents/{id}/exported":                 "401 403 204 404 404",
	"POST /api/me/devices/{id}/lost":                    "401 404 404 404 404", // a colleague's device: only its owner reports it
	"POST /api/admin/devices/{id}/lost":                 "401 403 200 403 404",
	"POST /api/audit/verify":                            "401 403 200 200 200",
	"GET /api/audit/export":                             "401 403 200 200 200",
	"GET /api/dpo/breaches":                             "401 403 200 200 200", // the DPO, and admins read; the outsider reads its own
	"POST /api/dpo/breaches":                            "401 403 403 400 400",
	"GET /api/dpo/breaches/{id}":                        "401 403 200 200 404",
	"POST /api/dpo/breaches/{id}":                       "401 403 403 200 404", // an empty change changes nothing
	"GET /api/dpo/dpia":                                 "401 403 200 200 200",
	"GET /api/dpo/dpia.pdf":                             "401 403 200 200 200",
	"POST /api/dpo/register":                            "401 403 403 400 400",
	"PUT /api/dpo/register/{id}":                        "401 403 403 400 404",
	"GET /register.json":                                "401 200 200 200 200", // everyone signed in reads the register
	"GET /register.csv":                                 "401 200 200 200 200",
	"GET /api/records":                                  "401 200 200 200 200", // each device's own conversations
	"POST /api/conversations/{id}/filings":              "401 400 404 404 404", // members only; the clinician's empty filing is refused
	"GET /api/filings/{id}":                             "401 200 404 200 404", // the filer, members and the DPO read the receipt
	"POST /api/filings/{id}/confirm":                    "401 404 404 404 404", // no device has been told to delete yet
	"GET /api/admin/retention":                          "401 403 200 200 200", // admins and the DPO; the outsider reads its own
	"PUT /api/admin/retention":                          "401 403 400 403 400",
	"PUT /api/admin/conversations/{id}/kind":            "401 403 200 403 404", // an admin of the organisation, never a member as such
	"GET /api/dpo/holds":                                "401 403 200 200 200", // the DPO, and admins read only
	"POST /api/dpo/holds":                               "401 403 403 400 400",
	"POST /api/dpo/holds/{id}/release":                  "401 403 403 200 404",
	"/api/":                                             "404 404 404 404 404",
	"/":                                                 "200 200 200 200 200",
}
