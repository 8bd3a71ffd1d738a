// Package audittest is the conformance suite of audit stores: the file
// store and PostgreSQL run Run on real files and a real server.
package audittest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/idp/audit"
)

// Run runs the suite; open returns a fresh, empty store per subtest and
// reopen (may be nil) a new handle on the same store.
func Run(t *testing.T, open func(t *testing.T) (s audit.Store, reopen func(t *testing.T) audit.Store)) {
	ctx := context.Background()
	t0 := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	events := []audit.Event{
		{Time: t0, Kind: audit.KindFlowStarted, Outcome: "ok", Flow: "activation", IP: "192.0.2.1"},
		{Time: t0.Add(time.Minute), Kind: audit.KindStep, Outcome: "mismatch", Student: "22012345", Flow: "activation", Detail: "identify", Ref: "K7F-2QX"},
		{Time: t0.Add(2 * time.Minute), Kind: audit.KindSignIn, Outcome: "failed", Login: "22012345T"},
		{Time: t0.Add(3 * time.Minute), Kind: audit.KindUnblock, Outcome: "ok", Student: "22012345", Actor: "hsupport", Reason: "appel 12:03"},
		{Time: t0.Add(4 * time.Minute), Kind: audit.KindStep, Outcome: "ok", Student: "22099999", Detail: "identify"},
		{Time: t0.Add(5 * time.Minute), Kind: "staffXsignin", Outcome: "ok", Actor: "x"}, // a "_" or "." in a prefix is not a wildcard
	}
	fill := func(t *testing.T, s audit.Store) {
		for _, e := range events {
			if err := s.Append(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	query := func(t *testing.T, s audit.Store, f audit.Filter) []audit.Event {
		var out []audit.Event
		if err := s.Query(ctx, f, func(e audit.Event) error { out = append(out, e); return nil }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	kinds := func(es []audit.Event) []time.Duration {
		var out []time.Duration
		for _, e := range es {
			out = append(out, e.Time.Sub(t0)/time.Minute)
		}
		return out
	}

	t.Run("round trip survives a reopen", func(t *testing.T) {
		s, reopen := open(t)
		fill(t, s)
		if reopen != nil {
			s = reopen(t)
		}
		got := query(t, s, audit.Filter{})
		if len(got) != len(events) {
			t.Fatalf("%d events, want %d", len(got), len(events))
		}
		want := slices.Clone(events)
		slices.Reverse(want)
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("event %d = %+v, want %+v", i, got[i], want[i])
			}
		}
	})

	t.Run("filters", func(t *testing.T) {
		s, _ := open(t)
		fill(t, s)
		for _, c := range []struct {
			name string
			f    audit.Filter
			want []time.Duration // minutes after t0, newest first
		}{
			{"student and login", audit.Filter{Subjects: []string{"22012345", "22012345T"}}, []time.Duration{3, 2, 1}},
			{"actor", audit.Filter{Actor: "hsupport"}, []time.Duration{3}},
			{"kind", audit.Filter{Kind: audit.KindStep}, []time.Duration{4, 1}},
			{"kind prefix", audit.Filter{Kind: "staff."}, []time.Duration{3}},
			{"ref", audit.Filter{Ref: "K7F-2QX"}, []time.Duration{1}},
			{"time range", audit.Filter{From: t0.Add(time.Minute), To: t0.Add(3 * time.Minute)}, []time.Duration{2, 1}},
			{"limit", audit.Filter{Limit: 2}, []time.Duration{5, 4}},
			{"metacharacters match nothing", audit.Filter{Subjects: []string{"%", "*"}}, nil},
		} {
			if got := kinds(query(t, s, c.f)); !slices.Equal(got, c.want) {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
			}
		}
	})

	t.Run("prune", func(t *testing.T) {
		s, _ := open(t)
		fill(t, s)
		n, err := s.Prune(ctx, t0.Add(2*time.Minute))
		if err != nil || n != 2 {
			t.Fatalf("Prune = %d, %v; want 2", n, err)
		}
		if got := kinds(query(t, s, audit.Filter{})); !slices.Equal(got, []time.Duration{5, 4, 3, 2}) {
			t.Errorf("after prune: %v", got)
		}
		if err := s.Append(ctx, audit.Event{Time: t0.Add(time.Hour), Kind: audit.KindSignIn, Outcome: "ok"}); err != nil {
			t.Errorf("append after prune: %v", err)
		}
		if got := len(query(t, s, audit.Filter{})); got != 5 {
			t.Errorf("after prune and append: %d events", got)
		}
	})
}
