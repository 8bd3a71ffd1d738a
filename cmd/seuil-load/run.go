package main

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// load is how long and how hard to run one scenario.
type load struct {
	duration, warmup time.Duration
	concurrency      int
	requests         uint64 // 0: bounded by duration only
}

// worker holds one goroutine's counts, merged when the run ends, so that
// recording takes no lock.
type worker struct {
	hist   histogram
	errors map[string]uint64
	n      uint64
}

// run prepares one worker per unit of concurrency, then loops their
// steps: warm-up first (not recorded), then the measured window, until
// the duration, the request budget or ctx (SIGINT) ends it.
func run(ctx context.Context, c *client, sc scenario, l load) (result, error) {
	res := result{Scenario: sc.name, Concurrency: l.concurrency, CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
	steps := make([]step, l.concurrency)
	for i := range steps {
		s, note, err := sc.setup(ctx, c)
		if err != nil {
			return res, err
		}
		steps[i], res.Note = s, note
	}
	start := time.Now().Add(l.warmup)
	runCtx, stop := context.WithDeadline(ctx, start.Add(l.duration))
	defer stop()
	var done atomic.Uint64
	workers := make([]*worker, l.concurrency)
	var wg sync.WaitGroup
	for i := range workers {
		w := &worker{errors: map[string]uint64{}}
		workers[i] = w
		wg.Go(func() { w.loop(runCtx, steps[i], start, l.requests, &done, stop) })
	}
	wg.Wait()
	res.Elapsed = max(0, min(time.Since(start), l.duration)) // 0: stopped during warm-up
	res.Interrupted = ctx.Err() != nil
	var h histogram
	for _, w := range workers {
		h.merge(&w.hist)
		res.Requests += w.n
		for k, v := range w.errors {
			if res.Errors == nil {
				res.Errors = map[string]uint64{}
			}
			res.Errors[k] += v
			res.ErrorCount += v
		}
	}
	res.fill(&h)
	return res, nil
}

func (w *worker) loop(ctx context.Context, s step, start time.Time, budget uint64, done *atomic.Uint64, stop func()) {
	for ctx.Err() == nil {
		t0 := time.Now()
		err := s(ctx)
		d := time.Since(t0)
		if t0.Before(start) || err != nil && ctx.Err() != nil {
			continue // warm-up, or cut short by the end of the run
		}
		w.n++
		if err != nil {
			w.errors[errorKind(err)]++
		} else {
			w.hist.record(d)
		}
		if budget > 0 && done.Add(1) >= budget {
			stop()
		}
	}
}
