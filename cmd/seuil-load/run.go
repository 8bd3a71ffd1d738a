package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// load is how long and how hard to run one scenario.
type load struct {
	duration, warmup time.Duration
	concurrency      int
	requests         uint64 // 0: bounded by duration only
	serverPID        int    // the server's process, for its CPU time; 0: not measured
}

// worker holds one goroutine's counts, merged when the run ends, so that
// recording takes no lock.
type worker struct {
	hist    histogram
	errors  map[string]uint64
	n       uint64
	phases  map[string]*histogram
	order   []string // phase names as first met
	pending []phaseTime
}

type phaseTime struct {
	name string
	d    time.Duration
}

type phaseKey struct{}

// phase records a part of an iteration (a screen of an activation); it
// counts only if the iteration does (measured, and successful).
func phase(ctx context.Context, name string, d time.Duration) {
	if w, ok := ctx.Value(phaseKey{}).(*worker); ok {
		w.pending = append(w.pending, phaseTime{name, d})
	}
}

func (w *worker) commitPhases(keep bool) {
	if keep {
		for _, p := range w.pending {
			h, ok := w.phases[p.name]
			if !ok {
				if w.phases == nil {
					w.phases = map[string]*histogram{}
				}
				h = &histogram{}
				w.phases[p.name] = h
				w.order = append(w.order, p.name)
			}
			h.record(p.d)
		}
	}
	w.pending = w.pending[:0]
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
	cpu := startCPU(l.serverPID, start)
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
	phases := map[string]*histogram{}
	for _, w := range workers {
		for _, name := range w.order {
			if _, ok := phases[name]; !ok {
				phases[name] = &histogram{}
				res.Phases = append(res.Phases, phaseResult{Name: name})
			}
			phases[name].merge(w.phases[name])
		}
	}
	for i := range res.Phases {
		ph := phases[res.Phases[i].Name]
		res.Phases[i].P50, res.Phases[i].P95, res.Phases[i].P99 = ms(ph.quantile(0.50)), ms(ph.quantile(0.95)), ms(ph.quantile(0.99))
	}
	if used, ok := cpu(); ok && res.Requests > 0 {
		res.ServerCPUms = ms(used) / float64(res.Requests)
	}
	return res, nil
}

func (w *worker) loop(ctx context.Context, s step, start time.Time, budget uint64, done *atomic.Uint64, stop func()) {
	pctx := context.WithValue(ctx, phaseKey{}, w)
	for ctx.Err() == nil {
		t0 := time.Now()
		err := s(pctx)
		d := time.Since(t0)
		if t0.Before(start) || err != nil && ctx.Err() != nil {
			w.commitPhases(false)
			continue // warm-up, or cut short by the end of the run
		}
		w.n++
		w.commitPhases(err == nil)
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

// startCPU samples the server's CPU time (user and system, Linux's
// /proc/PID/stat) when the measured window starts, and returns how to
// read what it used since (ok false: no pid, or no /proc).
func startCPU(pid int, at time.Time) func() (time.Duration, bool) {
	if pid <= 0 {
		return func() (time.Duration, bool) { return 0, false }
	}
	first := make(chan time.Duration, 1)
	go func() {
		time.Sleep(time.Until(at))
		d, _ := processCPU(pid)
		first <- d
	}()
	return func() (time.Duration, bool) {
		end, err := processCPU(pid)
		if err != nil {
			return 0, false
		}
		return end - <-first, true
	}
}

// processCPU reads utime + stime of pid, in clock ticks of 1/100 s (the
// USER_HZ Linux reports /proc in, whatever the kernel's HZ).
func processCPU(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces: count from its ")".
	s := string(raw)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(fields))
	}
	ut, err1 := strconv.ParseInt(fields[11], 10, 64)
	st, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: utime %q stime %q", pid, fields[11], fields[12])
	}
	return time.Duration(ut+st) * 10 * time.Millisecond, nil
}
