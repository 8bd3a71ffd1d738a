package main

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/seuil-idp/seuil/cmd/seuil/config"
	"github.com/seuil-idp/seuil/flows/notify"
	"github.com/seuil-idp/seuil/idp/audit"
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

// What the activation campaign does, from the audit trail's events:
// each flow step's outcome, sign-ins (by password or passkey) and their
// failures, codes sent, staff actions. No student number, login or
// address is a label: the values are the code's own words.
var events = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "seuil_events_total", Help: "Audit trail events, by kind, flow, step (or sign-in method) and outcome.",
}, []string{"kind", "flow", "step", "outcome"})

// countEvent is the trail's observer.
func countEvent(e audit.Event) {
	step := ""
	switch e.Kind {
	case audit.KindStep:
		// The step's name; a refusal's detail adds the rules broken
		// ("password: password.failed.digit,…"), which stay out of labels.
		step, _, _ = strings.Cut(e.Detail, ":")
	case audit.KindSignIn:
		step = "password"
		if e.Detail == "passkey" {
			step = "passkey"
		}
	}
	events.WithLabelValues(e.Kind, e.Flow, step, e.Outcome).Inc()
}

// Codes and mails as they leave, by channel and outcome, with the
// provider's latency: an SMS provider slowing down shows here first.
var (
	sends = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "seuil_notify_sends_total", Help: "Messages handed to the SMS provider or the mail relay, by channel and outcome (ok, error).",
	}, []string{"channel", "outcome"})
	sendSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "seuil_notify_send_duration_seconds", Help: "Time the SMS provider or the mail relay took to take a message.",
		Buckets: []float64{.05, .1, .25, .5, 1, 2, 5, 10, 30},
	}, []string{"channel"})
)

type meteredSMS struct{ next notify.SMSSender }

func (m meteredSMS) SendSMS(ctx context.Context, msg notify.SMS) error {
	start := time.Now()
	err := m.next.SendSMS(ctx, msg)
	observeSend("sms", start, err)
	return err
}

type meteredMail struct{ next notify.Mailer }

func (m meteredMail) SendMail(ctx context.Context, msg notify.Mail) error {
	start := time.Now()
	err := m.next.SendMail(ctx, msg)
	observeSend("mail", start, err)
	return err
}

func observeSend(channel string, start time.Time, err error) {
	sendSeconds.WithLabelValues(channel).Observe(time.Since(start).Seconds())
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	sends.WithLabelValues(channel, outcome).Inc()
}

// Student source lookups (the source itself, under the cache and the
// breaker): found, not found or failed, and how long each took.
var (
	lookups = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "seuil_students_lookups_total", Help: "Lookups made to the student source, by outcome (found, not_found, error).",
	}, []string{"outcome"})
	lookupSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "seuil_students_lookup_duration_seconds", Help: "Time the student source took to answer a lookup.",
		Buckets: []float64{.001, .005, .01, .05, .1, .25, .5, 1, 2, 5},
	})
)

type meteredSource struct{ config.StudentSource }

func (m meteredSource) Lookup(ctx context.Context, id string) (students.Record, error) {
	start := time.Now()
	rec, err := m.StudentSource.Lookup(ctx, id)
	lookupSeconds.Observe(time.Since(start).Seconds())
	switch {
	case err == nil:
		lookups.WithLabelValues("found").Inc()
	case errors.Is(err, students.ErrNotFound):
		lookups.WithLabelValues("not_found").Inc()
	default:
		lookups.WithLabelValues("error").Inc()
	}
	return rec, err
}

func init() {
	prometheus.MustRegister(requestsTotal, requestSeconds, smsRefused, smsToday, smsBudget, studentsInvalid, studentsSourceOpen,
		events, sends, sendSeconds, lookups, lookupSeconds)
	// Series that exist from the start at 0, so that a dashboard and an
	// alert see "none yet" rather than "no data" (notify's guard gives
	// these reasons; sends and lookups their outcomes).
	for _, r := range []string{"country", "budget"} {
		smsRefused.WithLabelValues(r)
	}
	for _, ch := range []string{"sms", "mail"} {
		for _, o := range []string{"ok", "error"} {
			sends.WithLabelValues(ch, o)
		}
	}
	for _, o := range []string{"found", "not_found", "error"} {
		lookups.WithLabelValues(o)
	}
}

func statusClass(code int) string { return strconv.Itoa(code/100) + "xx" }
