package main

import (
	"strconv"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/seuil-idp/seuil/idp/students"
)

// Request metrics, served on server.metrics_addr. Labels stay coarse
// (method, status class) so that no path or parameter becomes a series.
var (
	requestsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "seuil_http_requests_total", Help: "HTTP requests served, by method and status class.",
	}, []string{"method", "status"})
	requestSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "seuil_http_request_duration_seconds", Help: "Time to serve an HTTP request.",
		Buckets: prometheus.DefBuckets,
	})
)

// SMS cost money: what the guard held back, and the day's count beside
// its budget (alert on seuil_sms_sent_today / seuil_sms_daily_budget).
var (
	smsRefused = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "seuil_sms_refused_total", Help: "SMS not sent on purpose, by reason (country, budget).",
	}, []string{"reason"})
	smsToday = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "seuil_sms_sent_today", Help: "SMS counted today (UTC) against the daily budget, all replicas.",
	})
	smsBudget = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "seuil_sms_daily_budget", Help: "sms.daily_budget (0: no cap).",
	})
)

// csvInvalid is the CSV student source whose skipped rows the gauge
// reports (alert when it is above zero: those students are turned away).
var csvInvalid atomic.Pointer[students.CSV]

var studentsInvalid = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
	Name: "seuil_students_invalid_rows", Help: "Rows of the student CSV skipped at its last load (each is logged with its line).",
}, func() float64 {
	if c := csvInvalid.Load(); c != nil {
		return float64(c.InvalidRows())
	}
	return 0
})

// studentsSourceOpen is 1 while the student source's circuit is open
// (every identification answered "unavailable").
var studentsSourceOpen = prometheus.NewGauge(prometheus.GaugeOpts{
	Name: "seuil_students_source_unavailable", Help: "1 while the student source's circuit breaker is open.",
})

func init() {
	prometheus.MustRegister(requestsTotal, requestSeconds, smsRefused, smsToday, smsBudget, studentsInvalid, studentsSourceOpen)
}

func statusClass(code int) string { return strconv.Itoa(code/100) + "xx" }
