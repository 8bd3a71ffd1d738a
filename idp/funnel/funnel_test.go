package funnel

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/idp/audit"
	"github.com/seuil-idp/seuil/idp/state/redistest"
)

func TestStages(t *testing.T) {
	for _, c := range []struct {
		e    audit.Event
		want []string
	}{
		{audit.Event{Kind: audit.KindFlowStarted}, []string{Started}},
		{audit.Event{Kind: audit.KindStep, Detail: "identify", Outcome: "ok"}, []string{Identified}},
		{audit.Event{Kind: audit.KindStep, Detail: "identify", Outcome: "mismatch"}, []string{Mismatched}},
		{audit.Event{Kind: audit.KindStep, Detail: "identify", Outcome: "held"}, []string{Held}},
		{audit.Event{Kind: audit.KindCodeSent, Outcome: "ok", Detail: "sms +33 6 •• •• •• 71; mail l•••@example.org"}, []string{CodeSMS, CodeMail}},
		{audit.Event{Kind: audit.KindCodeSent, Outcome: "ok", Detail: "sms refused: verify.sms.country; mail x"}, []string{SMSRefused, CodeMail}},
		{audit.Event{Kind: audit.KindCodeSent, Outcome: "failed"}, []string{CodeNotSent}},
		{audit.Event{Kind: audit.KindStep, Detail: "verify", Outcome: "wrong_code"}, []string{WrongCode}},
		{audit.Event{Kind: audit.KindStep, Detail: "password: password.failed.digit,password.failed.ascii", Outcome: "refused"},
			[]string{PasswordRefused, "rule:password.failed.digit", "rule:password.failed.ascii"}},
		{audit.Event{Kind: audit.KindStep, Detail: "password", Outcome: "ok"}, []string{PasswordSet}},
		{audit.Event{Kind: audit.KindLanded, Outcome: "ok", Detail: "pjweb"}, []string{Landed}},
		{audit.Event{Kind: audit.KindSignIn, Outcome: "ok"}, nil},
		{audit.Event{Kind: audit.KindLookup}, nil},
	} {
		if got := Stages(c.e); !slices.Equal(got, c.want) {
			t.Errorf("Stages(%+v) = %v, want %v", c.e, got, c.want)
		}
	}
}

// Counted in Redis, by day and hour, from what the trail observed.
func TestCounterCounts(t *testing.T) {
	t.Parallel()
	c, flush := runCounter(t)
	at := time.Date(2026, 9, 1, 9, 30, 0, 0, time.UTC)
	for i, e := range []audit.Event{
		{Kind: audit.KindFlowStarted}, {Kind: audit.KindFlowStarted}, {Kind: audit.KindFlowStarted},
		{Kind: audit.KindStep, Detail: "identify", Outcome: "ok"}, {Kind: audit.KindStep, Detail: "identify", Outcome: "mismatch"},
		{Kind: audit.KindStep, Detail: "verify", Outcome: "ok"},
	} {
		e.Flow, e.Time = "activation", at.Add(time.Duration(i)*time.Hour)
		c.Observe(e)
	}
	c.Observe(audit.Event{Kind: audit.KindFlowStarted, Flow: "reset", Time: at})
	flush()
	days, err := c.Days(context.Background(), "activation", at.AddDate(0, 0, -1), at)
	if err != nil || len(days) != 2 {
		t.Fatalf("Days = %v, %v", days, err)
	}
	d := days[1]
	if d.Counts[Started] != 3 || d.Counts[Identified] != 1 || d.Counts[Mismatched] != 1 || d.Counts[Verified] != 1 ||
		len(days[0].Counts) != 0 {
		t.Errorf("counts %v", d.Counts)
	}
	if h := d.Hours[Started]; h[9] != 1 || h[10] != 1 || h[11] != 1 || d.Hours[Verified][14] != 1 {
		t.Errorf("hours %v", d.Hours)
	}
}

// Times on a screen are counted by bucket, a median and a p90 read back
// as "at most" a bound; a refused step's time counts nowhere.
func TestScreenTimes(t *testing.T) {
	t.Parallel()
	c, flush := runCounter(t)
	at := time.Date(2026, 9, 1, 9, 30, 0, 0, time.UTC)
	// Ten codes typed: six within 20 s, three within a minute, one
	// after 40 minutes (a student who went to find their phone).
	for _, took := range []time.Duration{8, 12, 14, 15, 18, 19, 40, 50, 55, 2400} {
		c.Observe(audit.Event{Kind: audit.KindStep, Flow: "activation", Detail: "verify", Outcome: "ok", Time: at, Took: took * time.Second})
	}
	c.Observe(audit.Event{Kind: audit.KindStep, Flow: "activation", Detail: "identify", Outcome: "ok", Time: at, Took: 3 * time.Second})
	c.Observe(audit.Event{Kind: audit.KindStep, Flow: "activation", Detail: "password", Outcome: "refused", Time: at, Took: time.Hour})
	flush()
	days, err := c.Days(context.Background(), "activation", at, at)
	if err != nil || len(days) != 1 {
		t.Fatalf("Days = %v, %v", days, err)
	}
	cases := []struct {
		step      string
		q         float64
		bound     time.Duration
		over      bool
		n         int64
		wantEmpty bool
	}{
		{step: "verify", q: 0.5, bound: 20 * time.Second, n: 10},
		{step: "verify", q: 0.9, bound: time.Minute, n: 10},
		{step: "verify", q: 1, bound: 30 * time.Minute, over: true, n: 10},
		{step: "identify", q: 0.5, bound: 5 * time.Second, n: 1},
		{step: "password", q: 0.5, wantEmpty: true},
	}
	for _, tc := range cases {
		b, over, n := Quantile(days[0].Screens[tc.step], tc.q)
		if tc.wantEmpty {
			if n != 0 {
				t.Errorf("%s: %d times counted for a refused step", tc.step, n)
			}
			continue
		}
		if b != tc.bound || over != tc.over || n != tc.n {
			t.Errorf("%s q%.1f = %v over=%t n=%d; want %v over=%t n=%d", tc.step, tc.q, b, over, n, tc.bound, tc.over, tc.n)
		}
	}
}

// runCounter is a counter on a real redis-server with its worker
// running; flush stops the worker once it has sent what it holds.
func runCounter(t *testing.T) (*Counter, func()) {
	t.Helper()
	c := New(redistest.Client(t), "t:", slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	return c, func() { cancel(); <-done }
}
