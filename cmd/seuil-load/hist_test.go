package main

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestHistogramQuantiles(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	for _, tc := range []struct {
		name    string
		samples []time.Duration
		q       float64
		want    time.Duration
	}{
		{"empty", nil, 0.5, 0},
		{"one sample is every quantile", []time.Duration{3 * ms}, 0.99, 3 * ms},
		{"median of 1..100 ms", spread(100, ms), 0.50, 50 * ms},
		{"p90 of 1..100 ms", spread(100, ms), 0.90, 90 * ms},
		{"p99 of 1..100 ms", spread(100, ms), 0.99, 99 * ms},
		{"p100 is the max", spread(100, ms), 1, 100 * ms},
		{"microseconds are exact below 128", spread(100, time.Microsecond), 0.5, 50*time.Microsecond + time.Microsecond - 1},
		{"an outlier does not move the median", append(spread(99, ms), time.Minute), 0.5, 50 * ms},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h histogram
			for _, s := range tc.samples {
				h.record(s)
			}
			got := h.quantile(tc.q)
			if !within(got, tc.want, 1.0/64) {
				t.Errorf("quantile(%v) = %v, want %v (± 1/64)", tc.q, got, tc.want)
			}
		})
	}
}

// TestHistogramAgainstSorting compares with the exact percentile of
// sorted samples spanning microseconds to seconds.
func TestHistogramAgainstSorting(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	var h, a, b histogram
	var all []time.Duration
	for i := range 20000 {
		d := time.Duration(r.ExpFloat64() * float64(5*time.Millisecond))
		all = append(all, d)
		h.record(d)
		if i%2 == 0 { // merging two halves gives the same answer
			a.record(d)
		} else {
			b.record(d)
		}
	}
	a.merge(&b)
	slices.Sort(all)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		exact := all[int(q*float64(len(all)))-1]
		if got := h.quantile(q); !within(got, exact, 1.0/32) {
			t.Errorf("quantile(%v) = %v, exact %v", q, got, exact)
		}
		if h.quantile(q) != a.quantile(q) {
			t.Errorf("merged quantile(%v) = %v, want %v", q, a.quantile(q), h.quantile(q))
		}
	}
	if h.max != all[len(all)-1] || a.max != h.max || a.n != h.n {
		t.Errorf("max %v / merged %v, want %v; n %d / %d", h.max, a.max, all[len(all)-1], h.n, a.n)
	}
}

func TestBucketsAreOrderedAndBounded(t *testing.T) {
	t.Parallel()
	prev := -1
	for us := int64(0); us < 1<<36; us = us*9/8 + 1 {
		d := time.Duration(us) * time.Microsecond
		i := bucketOf(d)
		if i < prev || i >= bucketCount {
			t.Fatalf("bucketOf(%v) = %d after %d (of %d)", d, i, prev, bucketCount)
		}
		if upperOf(i) < d {
			t.Fatalf("upperOf(%d) = %v < %v", i, upperOf(i), d)
		}
		prev = i
	}
	if i := bucketOf(100 * time.Hour * 24 * 365); i != bucketCount-1 {
		t.Errorf("a huge value lands in bucket %d, want the last (%d)", i, bucketCount-1)
	}
}

func spread(n int, unit time.Duration) []time.Duration {
	var out []time.Duration
	for i := 1; i <= n; i++ {
		out = append(out, time.Duration(i)*unit)
	}
	return out
}

func within(got, want time.Duration, rel float64) bool {
	diff := float64(got - want)
	return diff >= -rel*float64(want)-1 && diff <= rel*float64(want)+float64(time.Microsecond)
}
