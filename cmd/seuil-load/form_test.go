package main

import (
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"
)

func TestParseLoginForm(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, file, page string
		wantAction       string
		wantUser         string
		wantFields       url.Values
	}{
		{
			name: "Seuil: relative action, csrf and pending id kept, the language form skipped",
			file: "seuil-login.html", page: "http://127.0.0.1:8080/login?id=a1b2c3",
			wantAction: "http://127.0.0.1:8080/login", wantUser: "login",
			wantFields: url.Values{"csrf": {"Zm9v+YmFy"}, "id": {"a1b2c3"}},
		},
		{
			name: "Seuil behind HTTPS: scheme and host come from the page",
			file: "seuil-login.html", page: "https://idp.example.org/seuil/login",
			wantAction: "https://idp.example.org/login", wantUser: "login",
			wantFields: url.Values{"csrf": {"Zm9v+YmFy"}, "id": {"a1b2c3"}},
		},
		{
			name: "Keycloak: absolute action with entities, submit named login, unchecked remember-me left out",
			file: "keycloak-login.html", page: "http://127.0.0.1:8180/realms/demo/protocol/openid-connect/auth?client_id=loadtest",
			wantAction: "http://127.0.0.1:8180/realms/demo/login-actions/authenticate?session_code=Xy1&execution=6c9e&client_id=loadtest&tab_id=Ab3",
			wantUser:   "username",
			wantFields: url.Values{"credentialId": {""}, "login": {"Sign In"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, err := parseLoginForm(mustURL(t, tc.page), openTestdata(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if f.Action.String() != tc.wantAction {
				t.Errorf("action = %s, want %s", f.Action, tc.wantAction)
			}
			if f.User != tc.wantUser || f.Password != "password" {
				t.Errorf("user, password inputs = %q, %q; want %q, password", f.User, f.Password, tc.wantUser)
			}
			if f.Fields.Encode() != tc.wantFields.Encode() {
				t.Errorf("kept fields = %v, want %v", f.Fields, tc.wantFields)
			}
			got := f.fill("22019999T", "p&ss")
			if got.Get(tc.wantUser) != "22019999T" || got.Get("password") != "p&ss" || f.Fields.Has("password") {
				t.Errorf("fill = %v (and the form's own fields must not change: %v)", got, f.Fields)
			}
		})
	}
}

func TestParseLoginFormRefuses(t *testing.T) {
	t.Parallel()
	page := mustURL(t, "http://127.0.0.1/login")
	for name, body := range map[string]string{
		"no form":                   `<p>Hello</p><input type=password name=p>`,
		"a form without a password": `<form action=/x><input name=username></form>`,
		"a password outside a form": `<form action=/x><input name=username></form><input type=password name=password>`,
		"no user input":             `<form action=/x><input type=password name=password></form>`,
	} {
		if _, err := parseLoginForm(page, strings.NewReader(body)); !errors.Is(err, errNoLoginForm) {
			t.Errorf("%s: err = %v, want errNoLoginForm", name, err)
		}
	}
	// The second form is the login form; an empty action posts to the page.
	f, err := parseLoginForm(page, strings.NewReader(`<form action="/search"><input name=q></form>
		<form method=post><input type=email name=email><input type=password name=pw><input type=checkbox name=keep checked></form>`))
	if err != nil || f.Action.String() != page.String() || f.User != "email" || f.Password != "pw" || f.Fields.Get("keep") != "on" {
		t.Errorf("second form = %+v, %v", f, err)
	}
}

func FuzzParseLoginForm(f *testing.F) {
	for _, name := range []string{"seuil-login.html", "keycloak-login.html"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	page, _ := url.Parse("http://127.0.0.1:8080/login")
	f.Fuzz(func(t *testing.T, body string) {
		form, err := parseLoginForm(page, strings.NewReader(body))
		if err != nil {
			return
		}
		if form.User == "" || form.Password == "" || form.Action == nil {
			t.Fatalf("a form without user, password or action: %+v", form)
		}
		v := form.fill("u", "p")
		if v.Get(form.User) != "u" && form.User != form.Password || v.Get(form.Password) != "p" {
			t.Fatalf("fill lost the credentials: %v", v)
		}
	})
}

func openTestdata(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
