package main

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
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

func init() { prometheus.MustRegister(requestsTotal, requestSeconds) }

func statusClass(code int) string { return strconv.Itoa(code/100) + "xx" }
