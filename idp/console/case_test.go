package console

import (
	"testing"
	"time"

	"github.com/seuil-idp/seuil/idp/audit"
)

func TestInProgress(t *testing.T) {
	now := time.Date(2026, 9, 1, 10, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return now.Add(time.Duration(-m) * time.Minute) }
	step := func(m int, detail, outcome string) audit.Event {
		return audit.Event{Time: at(m), Kind: audit.KindStep, Flow: "activation", Detail: detail, Outcome: outcome}
	}
	for _, c := range []struct {
		name   string
		events []audit.Event // newest first
		want   *progress
	}{
		{"none", nil, nil},
		{"at the code", []audit.Event{
			{Time: at(3), Kind: audit.KindCodeSent, Flow: "activation", Outcome: "ok"},
			step(3, "identify", "ok"), step(5, "identify", "mismatch")},
			&progress{Flow: "activation", Step: "verify", Outcome: "ok", Since: at(5), Last: at(3)}},
		{"password refused", []audit.Event{step(1, "password: password.rule.digit", "refused"), step(4, "verify", "ok")},
			&progress{Flow: "activation", Step: "password", Outcome: "refused", Since: at(4), Last: at(1)}},
		{"finished", []audit.Event{step(1, "password", "ok"), step(4, "verify", "ok")}, nil},
		{"too old", []audit.Event{step(90, "identify", "mismatch")}, nil},
		{"a staff action is not the student's flow", []audit.Event{{Time: at(1), Kind: audit.KindUnblock, Actor: "h"}}, nil},
	} {
		got := inProgress(c.events, now)
		if (got == nil) != (c.want == nil) || got != nil && *got != *c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}
