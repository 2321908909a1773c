package httpd

import "github.com/prometheus/client_golang/prometheus"

// metrics are labelled by route pattern and outcome only: never by user,
// conversation or anything a person typed.
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	signIns  *prometheus.CounterVec
	// pidOverrides counts messages sent after a patient-data warning, by
	// organisation and kind of data: never what was typed.
	pidOverrides *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_http_requests_total", Help: "HTTP requests by route pattern and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "switchboard_http_request_seconds", Help: "HTTP request latency by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
		signIns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_signins_total", Help: "Sign-in attempts by outcome.",
		}, []string{"outcome"}),
		pidOverrides: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_pid_warnings_overridden_total", Help: "Messages sent after a patient-data warning, by organisation (ODS code) and kind of data.",
		}, []string{"org", "kind"}),
	}
	reg.MustRegister(m.requests, m.latency, m.signIns, m.pidOverrides)
	return m
}
