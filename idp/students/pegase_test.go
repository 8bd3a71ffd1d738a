package students

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/idp/students/pegasetest"
)

func newPegase(t *testing.T, srv *pegasetest.Server, edit func(*PegaseConfig)) *Pegase {
	t.Helper()
	cfg := PegaseConfig{IDTURL: srv.IDTURL(), INSURL: srv.INSURL(), TokenURL: srv.TokenURL(),
		Username: srv.User, Password: srv.Password, Structure: srv.Structure, Period: "PER-2026"}
	if edit != nil {
		edit(&cfg)
	}
	p, err := NewPegase(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func learner(code string) pegasetest.Learner {
	return pegasetest.Learner{Code: code, INE: "123456789AB", LastName: "Dupont", FirstName: "Élodie",
		BirthDate: "2005-07-03", Mobile: "07 88 10 25 99", Email: "elodie@example.org",
		Enrolments: []pegasetest.Enrolment{{Period: "PER-2026", Year: 2026, Principal: true}}}
}

// Pégase's own checks become holds: an INE that INES has not confirmed,
// a potential duplicate, no valid enrolment in the period.
func TestPegaseHolds(t *testing.T) {
	t.Parallel()
	srv := pegasetest.Start(t)
	cases := []struct {
		name string
		edit func(*pegasetest.Learner)
		want Hold
	}{
		{"confirmed and enrolled", func(*pegasetest.Learner) {}, ""},
		{"INE to check", func(l *pegasetest.Learner) { l.INEStatus = "A_VERIFIER" }, HoldINE},
		{"INE data incomplete", func(l *pegasetest.Learner) { l.INEStatus = "DONNEES_INCOMPLETES" }, HoldINE},
		{"INE in dispute", func(l *pegasetest.Learner) { l.INEStatus = "LITIGE" }, HoldINE},
		{"INE unknown", func(l *pegasetest.Learner) { l.INEStatus = "INCONNU" }, HoldINE},
		{"registration under way", func(l *pegasetest.Learner) { l.INEStatus = "IMAT_EN_COURS" }, HoldINE},
		{"potential duplicate", func(l *pegasetest.Learner) { l.Duplicate = true }, HoldDuplicate},
		{"INE first, then duplicate", func(l *pegasetest.Learner) { l.Duplicate, l.INEStatus = true, "LITIGE" }, HoldINE},
		{"enrolment cancelled", func(l *pegasetest.Learner) { l.Enrolments[0].Status = "annulee" }, HoldNotEnrolled},
		{"enrolled in another period", func(l *pegasetest.Learner) { l.Enrolments[0].Period = "PER-2025" }, HoldNotEnrolled},
		{"no enrolment at all", func(l *pegasetest.Learner) { l.Enrolments = nil }, HoldNotEnrolled},
		{"a cancelled one and a valid one", func(l *pegasetest.Learner) {
			l.Enrolments = []pegasetest.Enrolment{{Period: "PER-2026", Status: "annulee"}, {Period: "PER-2026", Year: 2026}}
		}, ""},
		{"no master INE yet: the alternative", func(l *pegasetest.Learner) {
			l.INE, l.Alternatives = "", []string{"123456789AB"}
		}, ""},
	}
	for i, c := range cases {
		l := learner(fmt.Sprintf("2201%04d", i))
		c.edit(&l)
		srv.Add(l)
	}
	p := newPegase(t, srv, nil)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec, err := p.Lookup(context.Background(), fmt.Sprintf("2201%04d", i))
			if err != nil {
				t.Fatal(err)
			}
			if rec.Hold != c.want || rec.INE != "123456789AB" || rec.Mobile != "+33788102599" {
				t.Errorf("Lookup = hold %q INE %q mobile %q, want hold %q", rec.Hold, rec.INE, rec.Mobile, c.want)
			}
		})
	}
}

// The token is taken once, reused, renewed before it expires, and taken
// again at once when Pégase refuses it; a wrong account stops the start.
func TestPegaseToken(t *testing.T) {
	t.Parallel()
	srv := pegasetest.Start(t)
	srv.Add(learner("22012345"))
	p := newPegase(t, srv, nil)
	var mu sync.Mutex
	now := time.Now()
	p.token.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	lookup := func() {
		t.Helper()
		if _, err := p.Lookup(context.Background(), "22012345"); err != nil {
			t.Fatal(err)
		}
	}
	lookup()
	lookup()
	if n := srv.Tokens.Load(); n != 1 {
		t.Errorf("%d tokens for two lookups, want the first one reused", n)
	}
	mu.Lock()
	now = now.Add(50 * time.Minute) // past four fifths of the hour
	mu.Unlock()
	lookup()
	if n := srv.Tokens.Load(); n != 2 {
		t.Errorf("%d tokens after 50 of 60 minutes, want a renewal", n)
	}
	srv.Revoke()
	lookup() // refused with 401, renewed, tried again
	if n := srv.Tokens.Load(); n != 3 {
		t.Errorf("%d tokens after a revocation, want one more", n)
	}

	srv.Password = "changed"
	cfg := p.cfg
	if _, err := NewPegase(context.Background(), cfg); !errors.Is(err, ErrPegaseCredentials) ||
		strings.Contains(err.Error(), "api-secret") {
		t.Errorf("NewPegase with a refused account = %v, want ErrPegaseCredentials without the password", err)
	}
}

func TestJWTExpiry(t *testing.T) {
	cases := []struct {
		tok  string
		want int64
	}{
		{"eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3OTk5OTk5OTl9.c2ln", 1799999999},
		{"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", 0}, // no exp
		{"not-a-jwt", 0},
		{"a.%%%.c", 0},
	}
	for _, c := range cases {
		got := jwtExpiry(c.tok)
		if (c.want == 0 && !got.IsZero()) || (c.want != 0 && got.Unix() != c.want) {
			t.Errorf("jwtExpiry(%q) = %v, want %d", c.tok, got, c.want)
		}
	}
}

// A Pégase that fails or is slow is never "no such student", which would
// read as a mismatch on screen 2; the token never shows in an error.
func TestPegaseFailuresAreNotMismatches(t *testing.T) {
	t.Parallel()
	srv := pegasetest.Start(t)
	srv.Add(learner("22012345"))
	p := newPegase(t, srv, func(c *PegaseConfig) { c.Timeout = 200 * time.Millisecond })
	tok, _ := p.token.get(context.Background())
	for _, status := range []int{500, 502, 503, 403, 400} {
		srv.Fail.Store(int32(status))
		_, err := p.Lookup(context.Background(), "22012345")
		if err == nil || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), fmt.Sprint(status)) {
			t.Errorf("HTTP %d: Lookup = %v, want an error naming the status, not ErrNotFound", status, err)
		}
		if err != nil && strings.Contains(err.Error(), tok) {
			t.Errorf("HTTP %d: the error holds the token", status)
		}
	}
	srv.Fail.Store(0)
	srv.Delay.Store(int64(time.Second))
	start := time.Now()
	_, err := p.Lookup(context.Background(), "22012345")
	if err == nil || errors.Is(err, ErrNotFound) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow Pégase: Lookup = %v, want the deadline, not ErrNotFound", err)
	}
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Errorf("slow Pégase: Lookup took %v, beyond its 200ms timeout", d)
	}
	srv.Delay.Store(0)
	if err := p.All(context.Background(), func(Record) error { return nil }, func(*RowError) {}); err != nil {
		t.Errorf("All after recovery: %v", err)
	}
	srv.Fail.Store(503)
	if err := p.All(context.Background(), func(Record) error { return nil }, func(*RowError) {}); err == nil {
		t.Error("All on a failing Pégase succeeded: sync would take every student for gone")
	}
}

// The feed is read page by page (never above the contract's 500), each
// learner once whatever their enrolments, cancelled ones left out, and
// the e-mail and mobile are the student's own, never a parent's.
func TestPegaseBulk(t *testing.T) {
	t.Parallel()
	srv := pegasetest.Start(t)
	const n = 1203
	for i := range n {
		l := learner(fmt.Sprintf("23%06d", i))
		if i%100 == 0 { // a second, complementary enrolment
			l.Enrolments = append(l.Enrolments, pegasetest.Enrolment{Period: "PER-2026", Year: 2026})
		}
		if i%7 == 0 {
			l.Others = []pegasetest.Contact{{Code: "TEL_URGENCE", Owner: "Mme Dupont", Phone: "06 11 22 33 44"},
				{Code: "MEL_PARENT", Owner: "Mme Dupont", Mail: "parent@example.org"}}
		}
		srv.Add(l)
	}
	gone := learner("24000001")
	gone.Enrolments[0].Status = "annulee"
	other := learner("24000002")
	other.Enrolments[0].Period = "PER-2025"
	srv.Add(gone, other)

	for _, codes := range []struct{ email, mobile string }{{"", ""}, {pegasetest.EmailCode, pegasetest.MobileCode}} {
		p := newPegase(t, srv, func(c *PegaseConfig) {
			c.PageSize, c.EmailContact, c.MobileContact = 1000, codes.email, codes.mobile // clamped to 500
		})
		calls := srv.Calls.Load()
		seen := map[string]int{}
		err := p.All(context.Background(), func(r Record) error {
			seen[r.StudentID]++
			if r.Email != "elodie@example.org" || r.Mobile != "+33788102599" || r.Year != 2026 {
				t.Errorf("%s: e-mail %q mobile %q year %d", r.StudentID, r.Email, r.Mobile, r.Year)
			}
			return nil
		}, func(e *RowError) { t.Errorf("row error %v", e) })
		if err != nil {
			t.Fatal(err)
		}
		if len(seen) != n || seen["24000001"] != 0 || seen["24000002"] != 0 {
			t.Errorf("codes %v: read %d learners, want %d (cancelled and other period left out)", codes, len(seen), n)
		}
		for id, k := range seen {
			if k != 1 {
				t.Errorf("%s read %d times", id, k)
			}
		}
		// 1,217 enrolments in the period (a cancelled one included) at 500 a page.
		if got := srv.Calls.Load() - calls; got != 3 {
			t.Errorf("%d calls for the feed, want 3 pages", got)
		}
	}
}
