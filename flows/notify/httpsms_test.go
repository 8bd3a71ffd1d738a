package notify_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/seuil-idp/seuil/flows/notify"
)

// tricky is an SMS body that breaks naive templating in JSON and URLs.
const tricky = "Votre code : \"483920\" & <rien> d'autre\nà+bientôt 100%"

func fakeSecrets(name string) (string, error) { return "secret-" + name, nil }

// request is what a provider's server received.
type request struct {
	method, path string
	query        url.Values
	header       http.Header
	body         []byte
}

// provider starts a server that records one request and answers with
// status and answer.
func provider(t *testing.T, status int, answer string) (*httptest.Server, chan request) {
	got := make(chan request, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- request{r.Method, r.URL.Path, r.URL.Query(), r.Header, b}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

var hostPrefix = regexp.MustCompile(`^https://[^/]+`)

func TestHTTPSMSProviders(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("testdata", "sms-providers.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var configs map[string]notify.HTTPSMSConfig
	if err := yaml.Unmarshal(raw, &configs); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		status int
		answer string
		check  func(t *testing.T, r request)
	}{
		{"ovhcloud", 200, `{"status":100,"creditLeft":"41","SmsIds":["123"]}`, func(t *testing.T, r request) {
			q := r.query
			if r.method != "GET" || r.path != "/cgi-bin/sms/http2sms.cgi" || q.Get("to") != "+33612345678" ||
				q.Get("message") != tricky || q.Get("login") != "secret-OVH_SMS_LOGIN" || q.Get("contentType") != "text/json" {
				t.Errorf("request %s %s %v", r.method, r.path, q)
			}
		}},
		{"brevo", 201, `{"messageId":1511882900176220}`, func(t *testing.T, r request) {
			var b struct{ Type, Sender, Recipient, Content string }
			if err := json.Unmarshal(r.body, &b); err != nil {
				t.Fatalf("body is not JSON: %v", err)
			}
			if r.method != "POST" || r.path != "/v3/transactionalSMS/send" || b.Recipient != "33612345678" || b.Content != tricky ||
				r.header.Get("api-key") != "secret-BREVO_API_KEY" || r.header.Get("Content-Type") != "application/json" {
				t.Errorf("request %s %s %+v %v", r.method, r.path, b, r.header)
			}
		}},
		{"smsfactor", 200, `{"status":1,"message":"OK","ticket":"14672468"}`, func(t *testing.T, r request) {
			if r.method != "GET" || r.path != "/send" || r.query.Get("to") != "33612345678" || r.query.Get("text") != tricky ||
				r.header.Get("Authorization") != "Bearer secret-SMSFACTOR_TOKEN" {
				t.Errorf("request %s %s %v %v", r.method, r.path, r.query, r.header)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, ok := configs[tc.name]
			if !ok {
				t.Fatalf("no %s in testdata/sms-providers.yaml", tc.name)
			}
			srv, got := provider(t, tc.status, tc.answer)
			cfg.URL = hostPrefix.ReplaceAllLiteralString(cfg.URL, srv.URL)
			s, err := notify.NewHTTPSMS(cfg, fakeSecrets)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.SendSMS(t.Context(), notify.SMS{To: "+33612345678", Body: tricky, Code: "483920"}); err != nil {
				t.Fatalf("SendSMS: %v", err)
			}
			tc.check(t, <-got)
		})
	}
}

func TestHTTPSMSFailures(t *testing.T) {
	t.Parallel()
	jsonCheck := notify.SuccessCheck{JSONField: "result.0.status", JSONValues: []string{"ok"}}
	cases := []struct {
		name    string
		status  int
		answer  string
		success notify.SuccessCheck
		want    string
	}{
		{"server error", 500, "internal error with 483920", notify.SuccessCheck{}, "HTTP 500"},
		{"status out of range", 200, "", notify.SuccessCheck{StatusMin: 201, StatusMax: 202}, "HTTP 200"},
		{"missing marker", 200, `KO: bad number for 483920`, notify.SuccessCheck{Contains: "OK"}, "success marker"},
		{"json value", 200, `{"result":[{"status":"refused"}]}`, jsonCheck, `result.0.status = "refused"`},
		{"json field absent", 200, `{"result":[]}`, jsonCheck, "no result.0.status"},
		{"not json", 200, `<html>483920</html>`, jsonCheck, "not JSON"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, got := provider(t, tc.status, tc.answer)
			s, err := notify.NewHTTPSMS(notify.HTTPSMSConfig{
				URL: srv.URL + "/send?to={{.To | urlquery}}", ContentType: "text/plain", Body: "{{.Body}}", Success: tc.success,
			}, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = s.SendSMS(t.Context(), notify.SMS{To: "+33612345678", Body: "code 483920"})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("SendSMS = %v, want an error about %s", err, tc.want)
			}
			if strings.Contains(err.Error(), "483920") {
				t.Fatalf("error quotes a body: %v", err)
			}
			if r := <-got; string(r.body) != "code 483920" {
				t.Errorf("body sent %q", r.body)
			}
		})
	}
}

// TestHTTPSMSTransportErrors checks timeouts and unreachable servers, and
// that the error does not quote the URL (query-string APIs put the message
// and the token there).
func TestHTTPSMSTransportErrors(t *testing.T) {
	t.Parallel()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	for name, base := range map[string]string{"timeout": slow.URL, "refused": closed.URL} {
		s, err := notify.NewHTTPSMS(notify.HTTPSMSConfig{
			Method: "GET", URL: base + "/send?text={{.Body | urlquery}}&token={{secret \"T\"}}", Timeout: 200 * time.Millisecond,
		}, fakeSecrets)
		if err != nil {
			t.Fatal(err)
		}
		err = s.SendSMS(t.Context(), notify.SMS{To: "+33612345678", Body: "code 483920"})
		if err == nil || strings.Contains(err.Error(), "483920") || strings.Contains(err.Error(), "secret-T") {
			t.Errorf("%s: SendSMS = %v; want an error quoting neither message nor token", name, err)
		}
	}
}

func TestNewHTTPSMSValidates(t *testing.T) {
	t.Setenv("SEUIL_TEST_SMS_TOKEN", "tok")
	cases := []struct {
		name string
		cfg  notify.HTTPSMSConfig
		want string // empty: valid
	}{
		{"valid with env secret", notify.HTTPSMSConfig{URL: "https://sms.example/send?t={{secret \"SEUIL_TEST_SMS_TOKEN\"}}"}, ""},
		{"no url", notify.HTTPSMSConfig{}, "url: required"},
		{"not http", notify.HTTPSMSConfig{URL: "ftp://sms.example/"}, "url: not an http(s) URL"},
		{"bad template", notify.HTTPSMSConfig{URL: "https://sms.example/", Body: "{{.Body", ContentType: "text/plain"}, "body:"},
		{"unknown field", notify.HTTPSMSConfig{URL: "https://sms.example/{{.Phone}}"}, "sms template url"},
		{"missing secret", notify.HTTPSMSConfig{URL: "https://sms.example/", Headers: map[string]string{"X-Key": `{{secret "SEUIL_NO_SUCH_SECRET"}}`}},
			"SEUIL_NO_SUCH_SECRET_FILE"},
		{"body without content type", notify.HTTPSMSConfig{URL: "https://sms.example/", Body: "x"}, "content_type: required"},
		{"json field without values", notify.HTTPSMSConfig{URL: "https://sms.example/", Success: notify.SuccessCheck{JSONField: "status"}}, "json_values"},
		{"bad status range", notify.HTTPSMSConfig{URL: "https://sms.example/", Success: notify.SuccessCheck{StatusMin: 300, StatusMax: 200}}, "status_min"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := notify.NewHTTPSMS(tc.cfg, nil)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("NewHTTPSMS = %v, want valid", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("NewHTTPSMS = %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func TestEnvSecretFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(f, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SEUIL_TEST_SECRET_FILE", f)
	if v, err := notify.EnvSecret("SEUIL_TEST_SECRET"); err != nil || v != "from-file" {
		t.Fatalf("EnvSecret = %q, %v", v, err)
	}
}
