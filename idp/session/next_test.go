package session_test

import (
	"testing"

	"github.com/seuil-idp/seuil/idp/session"
	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/idp/state/redistest"
)

// ?next= returns to the console only: never to another host or path.
func TestNextIsNeverAnOpenRedirect(t *testing.T) {
	m := session.NewManager(state.New(redistest.Client(t), "n:"), session.Config{}, nil)
	l := session.NewLogin(m, onePassword{}, nil, nil, session.Paths{Login: "/seuil/login", Console: "/seuil/admin/"}, nil)
	for next, want := range map[string]string{
		"/seuil/admin/":                  "/seuil/admin/",
		"/seuil/admin/case?student=1":    "/seuil/admin/case?student=1",
		"https://evil.example/":          "",
		"//evil.example/seuil/admin/":    "",
		"/seuil/admin//evil.example":     "",
		"/seuil/admin/../activation":     "",
		"/seuil/admin/\\evil.example":    "",
		"/seuil/admin/\r\nSet-Cookie: x": "",
		"/seuil/activation":              "",
		"":                               "",
	} {
		if got := l.LocalNext(next); got != want {
			t.Errorf("next %q = %q, want %q", next, got, want)
		}
	}
}
