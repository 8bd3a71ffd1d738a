package notify_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/seuil-idp/seuil/flows/notify"
)

// TestHTTPSMSRedirectElsewhere: a provider (or whoever took over its DNS)
// that redirects the API call to another host must not receive the API
// key header nor, with 307/308, the body holding the code. Go only drops
// Authorization and Cookie on such a redirect, not "api-key" (Brevo) or
// "X-Api-Key".
func TestHTTPSMSRedirectElsewhere(t *testing.T) {
	t.Parallel()
	elsewhere, got := provider(t, http.StatusOK, `{"ok":true}`)
	for _, status := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, elsewhere.URL+"/steal", status)
		}))
		t.Cleanup(api.Close)
		s, err := notify.NewHTTPSMS(notify.HTTPSMSConfig{
			URL:         api.URL + "/sms",
			Headers:     map[string]string{"api-key": `{{secret "BREVO"}}`},
			Body:        `{"to":{{json .To}},"text":{{json .Body}}}`,
			ContentType: "application/json",
		}, fakeSecrets)
		if err != nil {
			t.Fatal(err)
		}
		err = s.SendSMS(context.Background(), notify.SMS{To: "+33788102599", Body: "Votre code : 483920"})
		if err == nil {
			t.Errorf("%d: redirect to another host taken as success", status)
		} else if strings.Contains(err.Error(), "secret-BREVO") || strings.Contains(err.Error(), "483920") {
			t.Errorf("%d: error shows a secret: %v", status, err)
		}
		select {
		case r := <-got:
			t.Errorf("%d: other host received the request (api-key %q, body %q)", status, r.header.Get("api-key"), r.body)
		default:
		}
	}
}

// TestHTTPSMSRedirectSameHost: a redirect within the provider's own host
// (a moved API path) is still followed.
func TestHTTPSMSRedirectSameHost(t *testing.T) {
	t.Parallel()
	hits := make(chan string, 2)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits <- r.URL.Path + " " + r.Header.Get("api-key")
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusPermanentRedirect)
		}
	}))
	t.Cleanup(api.Close)
	s, err := notify.NewHTTPSMS(notify.HTTPSMSConfig{URL: api.URL + "/old",
		Headers: map[string]string{"api-key": `{{secret "K"}}`}}, fakeSecrets)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SendSMS(context.Background(), notify.SMS{To: "+33788102599", Body: "x"}); err != nil {
		t.Fatal(err)
	}
	if a, b := <-hits, <-hits; a != "/old secret-K" || b != "/new secret-K" {
		t.Fatalf("hits %q, %q", a, b)
	}
}
