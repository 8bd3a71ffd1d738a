package themes

import (
	"net/http/httptest"
	"net/url"
	"testing"
)

func TestNegotiate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, query, cookie, accept, want string
	}{
		{name: "default is French", want: "fr"},
		{name: "browser language alone does not switch", accept: "en-US,en;q=0.9", want: "fr"},
		{name: "explicit switch", query: "lang=en", want: "en"},
		{name: "cookie from the switch", cookie: "en", want: "en"},
		{name: "query wins over cookie", query: "lang=fr", cookie: "en", want: "fr"},
		{name: "unsupported query ignored", query: "lang=de", cookie: "en", want: "en"},
		{name: "unsupported cookie ignored", cookie: "xx", want: "fr"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/activation?"+tt.query, nil)
		if tt.cookie != "" {
			r.Header.Set("Cookie", "seuil_lang="+tt.cookie)
		}
		if tt.accept != "" {
			r.Header.Set("Accept-Language", tt.accept)
		}
		if got := Negotiate(r, "seuil_lang"); got != tt.want {
			t.Errorf("%s: Negotiate = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestDefaultThemeComplete(t *testing.T) {
	t.Parallel()
	th, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if m := th.Missing(); len(m) > 0 {
		t.Errorf("translations missing: %v", m)
	}
	for _, page := range []string{"identify", "verify", "password", "done", "login"} {
		found := false
		for _, p := range th.Pages() {
			found = found || p == page
		}
		if !found {
			t.Errorf("default theme has no %s page", page)
		}
	}
}

func TestLangLinks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path, query, wantEN string
	}{
		{"/activation/identify", "", "/activation/identify?lang=en"},
		{"/login", "id=abc&lang=fr", "/login?id=abc&lang=en"},
		{"//evil.example/x", "", "/evil.example/x?lang=en"},
		{"/\\evil.example/x", "", "/evil.example/x?lang=en"},
	}
	for _, tt := range tests {
		q, _ := url.ParseQuery(tt.query)
		links := LangLinks(tt.path, q, "fr")
		if len(links) != 2 || links[0].Lang != "fr" || !links[0].Current || links[1].URL != tt.wantEN {
			t.Errorf("LangLinks(%q, %q) = %+v, want English at %q", tt.path, tt.query, links, tt.wantEN)
		}
	}
}
