package steps_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/seuil-idp/seuil/flows/flow"
	"github.com/seuil-idp/seuil/flows/steps"
)

type landingFunc func(client, login string) (string, error)

func (l landingFunc) LandingURL(_ context.Context, client, login string) (string, error) {
	return l(client, login)
}

func doneStep(t *testing.T, params string, l flow.Landing) flow.Step {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(params), &n); err != nil {
		t.Fatal(err)
	}
	p := flow.Params{Path: "flows.x.steps[3]"}
	if len(n.Content) > 0 {
		p.Node = n.Content[0]
	}
	st, err := steps.NewDone(p, &flow.Services{Landing: l, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// The button goes to the pending authorization first, then the relying
// party's landing page, then the fixed URL.
func TestDoneLanding(t *testing.T) {
	t.Parallel()
	pj := landingFunc(func(client, login string) (string, error) {
		return "https://" + client + "/in?login_hint=" + login, nil
	})
	broken := landingFunc(func(string, string) (string, error) { return "", errors.New("down") })
	cases := []struct {
		name, params string
		landing      flow.Landing
		f            flow.Flow
		want         string
	}{
		{"handover continue", "client: pjweb\ncontinue_url: https://ent.example.org/", pj,
			flow.Flow{Continue: "/authorize/resume", Login: "1T"}, "/authorize/resume"},
		{"no open redirect", "continue_url: https://ent.example.org/", nil,
			flow.Flow{Continue: "//evil.example.org/", Login: "1T"}, "https://ent.example.org/"},
		{"client landing", "client: pjweb\ncontinue_url: https://ent.example.org/", pj,
			flow.Flow{Login: "1T"}, "https://pjweb/in?login_hint=1T"},
		{"handover client wins", "client: pjweb", pj,
			flow.Flow{ClientID: "ent", Login: "1T"}, "https://ent/in?login_hint=1T"},
		{"landing down", "client: pjweb\ncontinue_url: https://ent.example.org/", broken,
			flow.Flow{Login: "1T"}, "https://ent.example.org/"},
		{"nothing", "", nil, flow.Flow{Login: "1T"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := steps.LandingOf(doneStep(t, c.params, c.landing), &c.f); got != c.want {
				t.Fatalf("landing %q, want %q", got, c.want)
			}
		})
	}
}

func TestIsLocalPath(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{"/a": true, "/authorize?x=1": true, "//evil": false,
		"/\\evil": false, "https://x": false, "": false, "a/b": false} {
		if steps.IsLocalPath(s) != want {
			t.Errorf("isLocalPath(%q) = %v", s, !want)
		}
	}
}
