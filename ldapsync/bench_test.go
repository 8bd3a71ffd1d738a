package ldapsync_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/idp/directory/ldap/slapdtest"
	"github.com/seuil-idp/seuil/idp/students"
	"github.com/seuil-idp/seuil/ldapsync"
)

// BenchmarkSync100k measures a first sync of 100,000 generated students
// into an empty slapd, then a second run with nothing to change:
//
//	go test ./ldapsync -run '^$' -bench BenchmarkSync100k -benchtime 1x
//
// It reports each run's seconds, entries/s of the first, and the
// process's peak resident memory (VmHWM).
func BenchmarkSync100k(b *testing.B) {
	const n = 100_000
	path := filepath.Join(b.TempDir(), "apogee.csv")
	writeGenerated(b, path, n)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		srv := slapdtest.Start(b, slapdtest.Options{})
		opts := ldapsync.Options{Source: students.CSVFile{Path: path}, Logger: quiet, Directory: (&fixture{srv: srv}).config()}
		b.StartTimer()
		first := timeRun(b, opts, n, 0)
		second := timeRun(b, opts, 0, n)
		b.ReportMetric(first.Seconds(), "first-s")
		b.ReportMetric(float64(n)/first.Seconds(), "entries/s")
		b.ReportMetric(second.Seconds(), "nochange-s")
		b.ReportMetric(peakRSSMiB(), "peak-MiB")
	}
}

func timeRun(b *testing.B, opts ldapsync.Options, created, unchanged int) time.Duration {
	start := time.Now()
	sum, err := ldapsync.Run(context.Background(), opts, io.Discard)
	d := time.Since(start)
	b.Log(sum)
	if err != nil || sum.Created != created || sum.Unchanged != unchanged {
		b.Fatalf("%v %v", sum, err)
	}
	return d
}

func writeGenerated(tb testing.TB, path string, n int) {
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString(csvHeader)
	for i := 0; i < n; i++ {
		id := strconv.Itoa(22000000 + i)
		fmt.Fprintf(w, "%s;%09dAB;Nom%d;Prénom%d;01/02/2005;07%08d;e%s@example.org;2026\n", id, i, i, i, 88000000+i, id)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
}

// peakRSSMiB reads the process's peak resident set size (Linux).
func peakRSSMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}
