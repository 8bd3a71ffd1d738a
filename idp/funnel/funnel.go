// Package funnel counts the activation campaign as the identity admins
// follow it: for each flow and day, and each hour of it, how many
// students reached each stage (started, identified, a code sent by SMS or
// mail, the code verified, the password set) and how many were stopped
// on the way (a mismatch, a hold, a limit, a wrong code, a password
// refused and by which rule). The counts live in Redis, so every replica
// adds to the same ones; they hold no student number, only the stages.
//
// Counting must not slow a student down: events are queued in memory and
// a worker sends them to Redis in pipelined batches. A full queue (Redis
// away) drops events rather than wait, and says how many.
package funnel

import (
	"context"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seuil-idp/seuil/idp/audit"
)

// The stages, in the order a student goes through them.
const (
	Started         = "started"
	Identified      = "identified"
	Mismatched      = "mismatched"
	Held            = "held"
	Limited         = "limited"
	Unavailable     = "source_unavailable"
	CodeSMS         = "code_sms"
	CodeMail        = "code_mail"
	CodeNotSent     = "code_not_sent"
	SMSRefused      = "sms_refused"
	Verified        = "verified"
	WrongCode       = "wrong_code"
	PasswordSet     = "password_set"
	PasswordRefused = "password_refused"
	// Landed: signed in at a relying party from the flow's session.
	Landed = "landed"
)

// Path is the funnel proper: each stage a student must reach in turn.
var Path = []string{Started, Identified, Verified, PasswordSet, Landed}

// Stages lists what an event counts toward (none for most).
func Stages(e audit.Event) []string {
	switch e.Kind {
	case audit.KindFlowStarted:
		return []string{Started}
	case audit.KindLanded:
		return []string{Landed}
	case audit.KindCodeSent:
		if e.Outcome != "ok" {
			return []string{CodeNotSent}
		}
		var out []string
		for _, part := range strings.Split(e.Detail, "; ") {
			switch {
			case strings.HasPrefix(part, "sms refused"):
				out = append(out, SMSRefused)
			case strings.HasPrefix(part, "sms "):
				out = append(out, CodeSMS)
			case strings.HasPrefix(part, "mail "):
				out = append(out, CodeMail)
			}
		}
		return out
	case audit.KindStep:
	default:
		return nil
	}
	step, rules, _ := strings.Cut(e.Detail, ": ")
	switch {
	case e.Outcome == "ok":
		return map[string][]string{"identify": {Identified}, "verify": {Verified}, "password": {PasswordSet}}[step]
	case e.Outcome == "mismatch":
		return []string{Mismatched}
	case e.Outcome == "held":
		return []string{Held}
	case e.Outcome == "limited":
		return []string{Limited}
	case e.Outcome == "source_unavailable":
		return []string{Unavailable}
	case e.Outcome == "wrong_code":
		return []string{WrongCode}
	case step == "password" && e.Outcome == "refused":
		out := []string{PasswordRefused}
		for _, r := range strings.Split(rules, ",") {
			if r = strings.TrimSpace(r); r != "" {
				out = append(out, "rule:"+r) // a message key: a fixed set
			}
		}
		return out
	}
	return nil
}

// ScreenBounds are the upper bounds of the screen-time buckets: a step
// done is counted in the first bucket it fits, or past the last. A
// median or a p90 is then told as "at most" a bound, which is as precise
// as the campaign's questions are (is the code screen a matter of
// seconds or of minutes?), and keeps the counts free of any one
// student's exact times.
var ScreenBounds = []time.Duration{5 * time.Second, 10 * time.Second, 15 * time.Second, 20 * time.Second,
	30 * time.Second, 45 * time.Second, time.Minute, 90 * time.Second, 2 * time.Minute, 3 * time.Minute,
	5 * time.Minute, 10 * time.Minute, 30 * time.Minute}

// Screens are the steps whose screens are timed, in order.
var Screens = []string{"identify", "verify", "password"}

// screenBucket is the bucket of a time on a screen (len(ScreenBounds):
// past the last bound).
func screenBucket(d time.Duration) int {
	for i, b := range ScreenBounds {
		if d <= b {
			return i
		}
	}
	return len(ScreenBounds)
}

// Quantile is the bound under which a share q of the counted times fall
// (the median for 0.5); over says it is past the last bound; n is how
// many were counted (0: no answer).
func Quantile(buckets []int64, q float64) (bound time.Duration, over bool, n int64) {
	for _, c := range buckets {
		n += c
	}
	if n == 0 {
		return 0, false, 0
	}
	want := int64(q*float64(n) + 0.999999) // the rank of the quantile, 1-based
	var seen int64
	for i, c := range buckets {
		seen += c
		if seen >= want {
			if i >= len(ScreenBounds) {
				return ScreenBounds[len(ScreenBounds)-1], true, n
			}
			return ScreenBounds[i], false, n
		}
	}
	return ScreenBounds[len(ScreenBounds)-1], true, n
}

// Counter queues events and counts their stages in Redis.
type Counter struct {
	rdb     redis.UniversalClient
	prefix  string
	queue   chan counted
	dropped atomic.Int64
	log     *slog.Logger
	now     func() time.Time
}

// keep is how long a day's counts are kept: a campaign and the next.
const keep = 400 * 24 * time.Hour

// New returns a counter on rdb, keys under prefix (the state store's).
func New(rdb redis.UniversalClient, prefix string, log *slog.Logger) *Counter {
	if log == nil {
		log = slog.Default()
	}
	return &Counter{rdb: rdb, prefix: prefix, queue: make(chan counted, 4096), log: log, now: time.Now}
}

// counted is a queued event with its stages, worked out once.
type counted struct {
	e      audit.Event
	stages []string
}

// Observe queues e (the audit trail's observer); it never blocks.
func (c *Counter) Observe(e audit.Event) {
	stages := Stages(e)
	if len(stages) == 0 || e.Flow == "" {
		return
	}
	select {
	case c.queue <- counted{e, stages}:
	default:
		c.dropped.Add(1)
	}
}

// Dropped is how many events a full queue let go.
func (c *Counter) Dropped() int64 { return c.dropped.Load() }

func (c *Counter) dayKey(flow string, t time.Time) string {
	return c.prefix + "funnel:" + flow + ":" + t.UTC().Format("2006-01-02")
}

// Run sends the queued events to Redis until ctx ends, then what is left.
func (c *Counter) Run(ctx context.Context) {
	batch := make([]counted, 0, 256)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case e := <-c.queue:
			batch = append(batch, e)
			if len(batch) < cap(batch) {
				continue
			}
		case <-tick.C:
		case <-ctx.Done():
			for len(c.queue) > 0 {
				batch = append(batch, <-c.queue)
			}
			c.flush(context.WithoutCancel(ctx), batch)
			return
		}
		c.flush(ctx, batch)
		batch = batch[:0]
	}
}

// flush counts a batch in one pipeline: per event and stage, the day's
// field and the hour's ("<stage>@<hh>").
func (c *Counter) flush(ctx context.Context, batch []counted) {
	if len(batch) == 0 {
		return
	}
	p := c.rdb.Pipeline()
	seen := map[string]bool{}
	for _, ev := range batch {
		e := ev.e
		k := c.dayKey(e.Flow, e.Time)
		hour := e.Time.UTC().Format("15")
		for _, s := range ev.stages {
			p.HIncrBy(ctx, k, s, 1)
			p.HIncrBy(ctx, k, s+"@"+hour, 1)
		}
		if e.Kind == audit.KindStep && e.Outcome == "ok" && e.Took > 0 {
			p.HIncrBy(ctx, k, "time:"+e.Detail+":"+strconv.Itoa(screenBucket(e.Took)), 1)
		}
		if !seen[k] {
			seen[k] = true
			p.Expire(ctx, k, keep)
		}
	}
	if _, err := p.Exec(ctx); err != nil {
		c.log.WarnContext(ctx, "funnel: counts lost", "events", len(batch), "err", err)
	}
}

// Day is one day's counts of one flow: by stage, by stage and hour, and
// the times spent on each screen (by step, a count per bucket of
// ScreenBounds and one past them).
type Day struct {
	Date    time.Time
	Counts  map[string]int64
	Hours   map[string][24]int64
	Screens map[string][]int64
}

// Days reads the days from..to (inclusive, UTC dates) of flow.
func (c *Counter) Days(ctx context.Context, flow string, from, to time.Time) ([]Day, error) {
	// One pipeline for the whole range, not a round trip per day.
	var dates []time.Time
	p := c.rdb.Pipeline()
	var reads []*redis.MapStringStringCmd
	for d := day(from); !d.After(day(to)) && len(dates) < 400; d = d.AddDate(0, 0, 1) {
		dates = append(dates, d)
		reads = append(reads, p.HGetAll(ctx, c.dayKey(flow, d)))
	}
	if len(dates) == 0 {
		return nil, nil
	}
	if _, err := p.Exec(ctx); err != nil {
		return nil, err
	}
	out := make([]Day, 0, len(dates))
	for i, d := range dates {
		m := reads[i].Val()
		dd := Day{Date: d, Counts: map[string]int64{}, Hours: map[string][24]int64{}, Screens: map[string][]int64{}}
		for field, v := range m {
			n, _ := strconv.ParseInt(v, 10, 64)
			if rest, ok := strings.CutPrefix(field, "time:"); ok {
				step, b, _ := strings.Cut(rest, ":")
				if i, err := strconv.Atoi(b); err == nil && i >= 0 && i <= len(ScreenBounds) {
					if dd.Screens[step] == nil {
						dd.Screens[step] = make([]int64, len(ScreenBounds)+1)
					}
					dd.Screens[step][i] = n
				}
				continue
			}
			stage, hour, ok := strings.Cut(field, "@")
			if !ok {
				dd.Counts[stage] = n
				continue
			}
			h, err := strconv.Atoi(hour)
			if err == nil && h >= 0 && h < 24 {
				hs := dd.Hours[stage]
				hs[h] = n
				dd.Hours[stage] = hs
			}
		}
		out = append(out, dd)
	}
	return out, nil
}

// Rules lists the password rules counted in days, sorted.
func Rules(days []Day) []string {
	set := map[string]bool{}
	for _, d := range days {
		for k := range d.Counts {
			if strings.HasPrefix(k, "rule:") {
				set[k] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
