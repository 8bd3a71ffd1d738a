package provider_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"

	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/directory/embedded"
	"github.com/seuil-idp/seuil/idp/provider"
	"github.com/seuil-idp/seuil/idp/provider/keys"
	"github.com/seuil-idp/seuil/idp/regulation"
	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/idp/state/redistest"
	"github.com/seuil-idp/seuil/idp/students"
	"github.com/seuil-idp/seuil/themes"
)

const (
	testLogin    = "22012345T"
	testPassword = "Correct-Horse-7"
	rpSecret     = "pj-web-secret-0123456789abcdef"
	rpRedirect   = "http://127.0.0.1:9/callback"
)

// env is one provider behind an httptest server at the path prefix
// /seuil, with a student account, a confidential client "pjweb" and a
// public client "mobile".
type env struct {
	t      testing.TB
	srv    *httptest.Server
	p      *provider.Provider
	iss    string
	store  *state.Store
	dir    *embedded.Dir
	cfg    provider.Config
	rpHits chan string // logout tokens received by the test RP
	// skew moves the directory's clock (password expiry).
	skew atomic.Int64
	lim  *regulation.Regulator
	// locked makes the directory report the account locked (as ldapsync
	// leaves a student who left), password checks included.
	locked atomic.Bool
	logs   *logBuffer // the provider's log, JSON
}

// logBuffer collects log lines from concurrent handlers.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// lockable is the embedded directory with an account state the test sets.
type lockable struct {
	*embedded.Dir
	locked *atomic.Bool
}

func (d lockable) FindByLogin(ctx context.Context, login string) (directory.Account, error) {
	a, err := d.Dir.FindByLogin(ctx, login)
	if err == nil && d.locked.Load() {
		a.State = directory.StateLocked
	}
	return a, err
}

func (d lockable) Standing(ctx context.Context, login string) (directory.Standing, error) {
	st, err := d.Dir.Standing(ctx, login)
	if err == nil && d.locked.Load() {
		st.State = directory.StateLocked
	}
	return st, err
}

func (d lockable) Authenticate(ctx context.Context, login, password string) (directory.Account, error) {
	a, err := d.Dir.Authenticate(ctx, login, password)
	if err == nil && d.locked.Load() {
		return directory.Account{}, directory.ErrLocked
	}
	return a, err
}

// newEnv starts a provider on its own redis-server.
func newEnv(t testing.TB, mutate ...func(*provider.Config)) *env {
	t.Helper()
	return newEnvOn(t, redistest.Client(t), "", mutate...)
}

func newEnvOn(t testing.TB, rdb redis.UniversalClient, keysDir string, mutate ...func(*provider.Config)) *env {
	t.Helper()
	e := &env{t: t, rpHits: make(chan string, 8), logs: &logBuffer{}}
	e.store = state.New(rdb, "t:"+t.Name()+":"+time.Now().Format("150405.000000")+":")
	dir, err := embedded.Open(filepath.Join(t.TempDir(), "dir.json"), embedded.Options{
		Argon2: embedded.Params{Memory: 64, Time: 1, Threads: 1},
		Now:    func() time.Time { return time.Now().Add(time.Duration(e.skew.Load())) },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := dir.Ensure(ctx, students.Record{StudentID: "22012345", INE: "1234567890A", FirstName: "Camille", LastName: "Martin", Email: "camille@example.org", Mobile: "+33788102599"}, testLogin); err != nil {
		t.Fatal(err)
	}
	if err := dir.SetPassword(ctx, testLogin, testPassword); err != nil {
		t.Fatal(err)
	}
	e.dir = dir
	rp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/backchannel" {
			e.rpHits <- r.PostFormValue("logout_token")
		}
	}))
	t.Cleanup(rp.Close)
	e.srv = httptest.NewUnstartedServer(nil)
	e.srv.Start()
	t.Cleanup(e.srv.Close)
	e.iss = e.srv.URL + "/seuil"
	if keysDir == "" {
		keysDir = t.TempDir()
	}
	e.cfg = provider.Config{
		Issuer: e.iss, Secret: strings.Repeat("s", 32),
		Keys: provider.KeysConfig{Dir: keysDir, Generate: true},
		Clients: []provider.ClientConfig{{
			ID: "pjweb", Secret: rpSecret, RedirectURIs: []string{rpRedirect},
			PostLogoutRedirectURIs: []string{"http://127.0.0.1:9/bye"},
			InitiateLoginURI:       "http://127.0.0.1:9/login/initiate",
			BackchannelLogoutURI:   rp.URL + "/backchannel",
			Claims:                 map[string]string{"supannEtuId": "student_id", "eduPersonAffiliation": "=student"},
		}, {
			ID: "mobile", Public: true, RedirectURIs: []string{"http://127.0.0.1:9/native"}, Scopes: []string{"openid", "profile"},
		}},
	}
	for _, m := range mutate {
		m(&e.cfg)
	}
	th, err := themes.Default()
	if err != nil {
		t.Fatal(err)
	}
	e.lim, err = regulation.New(rdb, "t:"+t.Name()+":", regulation.Rules{
		regulation.LoginPerAccount: {Rate: 1, Per: time.Hour, Burst: 3},
		regulation.FlowStartPerIP:  {Rate: 1, Per: time.Hour, Burst: 20},
	}, []byte(strings.Repeat("k", 16)))
	if err != nil {
		t.Fatal(err)
	}
	e.p, err = provider.New(e.cfg, provider.Deps{Store: e.store, Directory: lockable{dir, &e.locked}, Theme: th, Limiter: e.lim, Logger: slog.New(slog.NewJSONHandler(e.logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/seuil/", http.StripPrefix("/seuil", e.p.Handler()))
	e.srv.Config.Handler = mux
	return e
}

// browser is a user agent with cookies that stops at the relying party.
type browser struct {
	t testing.TB
	c *http.Client
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// follow GETs u and follows redirects that stay on the provider; it
// returns the last response (body read) and its body.
func (b *browser) follow(u string) (*http.Response, string) {
	b.t.Helper()
	for range 10 {
		resp, err := b.c.Get(u)
		if err != nil {
			b.t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		if resp.StatusCode/100 != 3 || strings.HasPrefix(loc, "http://127.0.0.1:9/") {
			return resp, string(body)
		}
		next, _ := resp.Request.URL.Parse(loc)
		if isFlow(next.Path) {
			return resp, string(body) // the flows are another package's
		}
		u = next.String()
	}
	b.t.Fatal("too many redirects")
	return nil, ""
}

// post submits a form and returns the response without following.
func (b *browser) post(u string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.c.PostForm(u, form)
	if err != nil {
		b.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// action is where a page's form posts, resolved against the page's URL
// (the sign-in page answers the authorization request itself: its URL
// is not the form's).
func action(resp *http.Response, body string) string {
	i := strings.Index(body, `<form method="post" action="`)
	if i < 0 {
		return resp.Request.URL.String()
	}
	rest := body[i+len(`<form method="post" action="`):]
	u, err := resp.Request.URL.Parse(html.UnescapeString(rest[:strings.Index(rest, `"`)]))
	if err != nil {
		return resp.Request.URL.String()
	}
	return u.String()
}

// hidden extracts a hidden field's value from a page.
func hidden(body, name string) string {
	i := strings.Index(body, `name="`+name+`" value="`)
	if i < 0 {
		return ""
	}
	rest := body[i+len(`name="`+name+`" value="`):]
	return rest[:strings.Index(rest, `"`)]
}

// rp is a go-oidc relying party for client "pjweb".
type rp struct {
	oidc     *oidc.Provider
	conf     oauth2.Config
	verifier *oidc.IDTokenVerifier
}

func (e *env) rp() *rp {
	e.t.Helper()
	ctx := context.Background()
	op, err := oidc.NewProvider(ctx, e.iss)
	if err != nil {
		e.t.Fatal(err)
	}
	return &rp{oidc: op, verifier: op.Verifier(&oidc.Config{ClientID: "pjweb"}), conf: oauth2.Config{
		ClientID: "pjweb", ClientSecret: rpSecret, Endpoint: op.Endpoint(), RedirectURL: rpRedirect,
		Scopes: []string{oidc.ScopeOpenID, "profile", "email", oidc.ScopeOfflineAccess},
	}}
}

// authURL returns an authorization URL with PKCE and a nonce.
func (r *rp) authURL(verifier string, extra ...oauth2.AuthCodeOption) string {
	opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier), oidc.Nonce("n-0S6_WzA2Mj")}, extra...)
	return r.conf.AuthCodeURL("st-xyz-123", opts...)
}

// code extracts the code from a redirect to the RP, failing on an error.
func code(t testing.TB, resp *http.Response) string {
	t.Helper()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode/100 != 3 {
		t.Fatalf("want redirect to RP, got %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	q := loc.Query()
	if q.Get("error") != "" || q.Get("code") == "" {
		t.Fatalf("no code: %s (%s)", q.Get("error"), q.Get("error_description"))
	}
	if q.Get("state") != "st-xyz-123" {
		t.Fatalf("state = %q", q.Get("state"))
	}
	return q.Get("code")
}

// login walks the authorization through the sign-in page with the
// given password, returning the final response.
func (b *browser) login(authURL, password string) (*http.Response, string) {
	b.t.Helper()
	resp, body := b.follow(authURL)
	if resp.StatusCode != 200 || !strings.Contains(body, `name="password"`) {
		b.t.Fatalf("want sign-in page, got %d", resp.StatusCode)
	}
	form := url.Values{"csrf": {hidden(body, "csrf")}, "id": {hidden(body, "id")}, "login": {testLogin}, "password": {password}}
	return b.onward(b.post(action(resp, body), form))
}

// onward follows a redirect answered to a POST, unless it goes to the RP
// (the sign-in answers a pending request at once) or to a flow.
func (b *browser) onward(resp *http.Response, body string) (*http.Response, string) {
	b.t.Helper()
	if resp.StatusCode != http.StatusSeeOther {
		return resp, body
	}
	loc := resp.Header.Get("Location")
	next, _ := resp.Request.URL.Parse(loc)
	if isFlow(next.Path) || strings.HasPrefix(loc, "http://127.0.0.1:9/") {
		return resp, body
	}
	return b.follow(next.String())
}

var _ = keys.New

func base64URL(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

// isFlow: the self-service flows are another package's; stop there.
func isFlow(path string) bool {
	for _, f := range []string{"/activation", "/expired", "/reset"} {
		if strings.HasSuffix(path, f) {
			return true
		}
	}
	return false
}

func jsonDecode(resp *http.Response, v any) error { return json.NewDecoder(resp.Body).Decode(v) }

// signInTokens signs a browser in through pjweb and exchanges the code.
func (e *env) signInTokens(t testing.TB) (*browser, *oauth2.Token) {
	t.Helper()
	r, b := e.rp(), e.browser()
	v := oauth2.GenerateVerifier()
	resp, _ := b.login(r.authURL(v), testPassword)
	tok, err := r.conf.Exchange(context.Background(), code(t, resp), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	return b, tok
}

// introspectAs introspects token as the client id (secret rpSecret).
func (e *env) introspectAs(id, token string) map[string]any {
	req, _ := http.NewRequest("POST", e.iss+"/oauth2/introspect", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, rpSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = jsonDecode(resp, &out)
	return out
}
