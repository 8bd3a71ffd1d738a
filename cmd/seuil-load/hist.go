package main

import (
	"math/bits"
	"time"
)

// histogram counts latencies in log-linear buckets, as HdrHistogram does:
// microsecond values below 128 get a bucket each, and every power of two
// above is split in 64, so a percentile is off by at most 1/64 (1.6 %)
// while memory stays fixed whatever the number of samples.
type histogram struct {
	counts [bucketCount]uint64
	n      uint64
	max    time.Duration
}

const (
	subBuckets  = 64
	linearLimit = 2 * subBuckets // 128 µs
	// maxExp covers values up to 2^40 µs (12 days): plenty for a request.
	maxExp      = 40
	bucketCount = linearLimit + (maxExp-7)*subBuckets
)

// record adds one sample.
func (h *histogram) record(d time.Duration) {
	h.counts[bucketOf(d)]++
	h.n++
	h.max = max(h.max, d)
}

// merge adds o's samples to h (each worker keeps its own histogram, so
// recording needs no lock).
func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile returns the upper bound of the bucket holding the q-th sample
// (0 < q ≤ 1), never more than the largest sample; 0 when empty.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.5)
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(upperOf(i), h.max)
		}
	}
	return h.max
}

func bucketOf(d time.Duration) int {
	us := uint64(max(d.Microseconds(), 0))
	if us < linearLimit {
		return int(us)
	}
	e := bits.Len64(us) - 7 // us>>e is in [64, 128)
	if e >= maxExp-6 {
		return bucketCount - 1
	}
	return linearLimit + (e-1)*subBuckets + int(us>>e) - subBuckets
}

// upperOf is the largest duration that falls in bucket i.
func upperOf(i int) time.Duration {
	if i < linearLimit {
		return time.Duration(i+1)*time.Microsecond - 1
	}
	e := (i-linearLimit)/subBuckets + 1
	m := uint64((i-linearLimit)%subBuckets + subBuckets)
	return time.Duration((m+1)<<e)*time.Microsecond - 1
}
