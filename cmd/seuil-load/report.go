package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// result is one scenario's figures. Latencies are those of successful
// iterations; Requests counts every completed iteration, errors included.
type result struct {
	Scenario    string            `json:"scenario"`
	Note        string            `json:"note,omitempty"`
	Requests    uint64            `json:"requests"`
	ErrorCount  uint64            `json:"errors"`
	Errors      map[string]uint64 `json:"errors_by_kind,omitempty"`
	Elapsed     time.Duration     `json:"-"`
	Seconds     float64           `json:"seconds"`
	PerSecond   float64           `json:"requests_per_second"`
	P50         float64           `json:"p50_ms"`
	P90         float64           `json:"p90_ms"`
	P99         float64           `json:"p99_ms"`
	Max         float64           `json:"max_ms"`
	Concurrency int               `json:"concurrency"`
	CPUs        int               `json:"cpus"`
	GoVersion   string            `json:"go_version"`
	Interrupted bool              `json:"interrupted,omitempty"`
	// Phases are the parts of an iteration (an activation's screens).
	Phases []phaseResult `json:"phases,omitempty"`
	// ServerCPUms is the server's CPU time per iteration (--server-pid).
	ServerCPUms float64 `json:"server_cpu_ms_per_request,omitempty"`
}

// phaseResult is one part of the iterations, over the successful ones.
type phaseResult struct {
	Name          string  `json:"name"`
	P50, P95, P99 float64 `json:"-"`
}

// MarshalJSON names the quantiles as the rest of the report does.
func (p phaseResult) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Name string  `json:"name"`
		P50  float64 `json:"p50_ms"`
		P95  float64 `json:"p95_ms"`
		P99  float64 `json:"p99_ms"`
	}{p.Name, p.P50, p.P95, p.P99})
}

func (r *result) fill(h *histogram) {
	r.Seconds = r.Elapsed.Seconds()
	if r.Seconds > 0 {
		r.PerSecond = float64(r.Requests) / r.Seconds
	}
	r.P50, r.P90, r.P99 = ms(h.quantile(0.50)), ms(h.quantile(0.90)), ms(h.quantile(0.99))
	r.Max = ms(h.max)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// writeText prints one scenario's block for a person.
func writeText(w io.Writer, r result) {
	fmt.Fprintf(w, "%s: %d requests in %.1fs, %.1f req/s, %d errors%s\n",
		r.Scenario, r.Requests, r.Seconds, r.PerSecond, r.ErrorCount, errorList(r.Errors))
	fmt.Fprintf(w, "  latency p50 %.2fms  p90 %.2fms  p99 %.2fms  max %.2fms\n", r.P50, r.P90, r.P99, r.Max)
	fmt.Fprintf(w, "  concurrency %d, %d CPUs, %s", r.Concurrency, r.CPUs, r.GoVersion)
	if r.Interrupted {
		fmt.Fprint(w, ", interrupted")
	}
	fmt.Fprintln(w)
	for _, p := range r.Phases {
		fmt.Fprintf(w, "  %-10s p50 %.2fms  p95 %.2fms  p99 %.2fms\n", p.Name, p.P50, p.P95, p.P99)
	}
	if r.ServerCPUms > 0 {
		fmt.Fprintf(w, "  server CPU %.2fms per iteration\n", r.ServerCPUms)
	}
	if r.Note != "" {
		fmt.Fprintf(w, "  %s\n", r.Note)
	}
}

func errorList(m map[string]uint64) string {
	if len(m) == 0 {
		return ""
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// writeJSON prints every scenario's result as one JSON document.
func writeJSON(w io.Writer, rs []result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Results []result `json:"results"`
	}{rs})
}
