package flows_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"testing"

	"github.com/seuil-idp/seuil/flows"
	"github.com/seuil-idp/seuil/idp/audit"
	"github.com/seuil-idp/seuil/idp/funnel"
	"github.com/seuil-idp/seuil/idp/regulation"
	"github.com/seuil-idp/seuil/idp/students"
)

// BenchmarkJourney runs one whole activation (four screens, ten HTTP
// requests, code read from the outbox, password hashed with cheap argon2
// parameters) per iteration, each with its own student so no rate limit
// trips.
func BenchmarkJourney(b *testing.B) {
	b.Run("audited", func(b *testing.B) { benchJourney(b, false) })
	b.Run("audited+funnel", func(b *testing.B) { benchJourney(b, true) })
}

// benchJourney runs the journeys with an audit trail (logged nowhere,
// stored nowhere), and with counted, its events also counted by the
// console's funnel into the same Redis, as serve wires it: the two
// sub-benchmarks side by side are the funnel's cost to a student.
func benchJourney(b *testing.B, counted bool) {
	src := mapSource{}
	for i := 0; i < b.N+1; i++ {
		r := camille
		r.StudentID = fmt.Sprintf("3%07d", i)
		r.Mobile = fmt.Sprintf("+336%08d", i)
		src[r.StudentID] = r
	}
	e := newEnv(b, func(_ *flows.Config, d *flows.Deps) {
		d.Students = src
		reg, err := regulation.New(d.Store.Client(), "b:", regulation.Rules{
			regulation.IdentifyPerIP: {Rate: 1 << 20, Per: 1e9, Burst: 1 << 20},
			regulation.CodeSendPerIP: {Rate: 1 << 20, Per: 1e9, Burst: 1 << 20},
		}, []byte("0123456789abcdef0123456789abcdef"))
		if err != nil {
			b.Fatal(err)
		}
		d.Regulator = reg
		d.Trail = audit.New(nil, slog.New(slog.NewTextHandler(io.Discard, nil)), 0)
		if counted {
			rdb := d.Store.Client()
			c := funnel.New(rdb, "b:", nil)
			ctx, stop := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { c.Run(ctx); close(done) }()
			b.Cleanup(func() {
				stop()
				<-done
				if c.Dropped() > 0 {
					b.Errorf("the funnel dropped %d events", c.Dropped())
				}
				// Counted for real, not a queue into nothing.
				if keys, _ := rdb.Keys(context.Background(), "b:funnel:activation:*").Result(); len(keys) == 0 {
					b.Error("the funnel counted nothing")
				}
			})
			d.Trail.Observe(c.Observe)
		}
	})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec := src[fmt.Sprintf("3%07d", i)]
		journey(b, e, rec)
	}
}

func journey(b *testing.B, e *env, rec students.Record) {
	br := e.browser(b)
	br.follow("/activation")
	r := br.submit("/activation/identify", identifyForm(rec.StudentID, rec.INE, rec.Mobile))
	if r.status != 200 {
		b.Fatalf("identify: %d %s", r.status, r.body)
	}
	br.submit("/activation/verify", url.Values{"code": {e.box.lastCode(b)}})
	r = br.submit("/activation/password", pwForm(goodPassword, goodPassword))
	if r.status != 200 {
		b.Fatalf("password: %d", r.status)
	}
}
