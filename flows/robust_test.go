package flows_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/flows"
	"github.com/seuil-idp/seuil/idp/directory"
)

// hookedDir runs beforeSet when a password is about to be set.
type hookedDir struct {
	directory.Directory
	beforeSet func(ctx context.Context)
	afterSet  func() error // replaces a successful set's answer
}

func (h hookedDir) SetPassword(ctx context.Context, login, pw string) error {
	if h.beforeSet != nil {
		h.beforeSet(ctx)
	}
	err := h.Directory.SetPassword(ctx, login, pw)
	if err == nil && h.afterSet != nil {
		return h.afterSet()
	}
	return err
}

// A retry after a failure during the password submit (the directory set
// the password, but its answer or the flow's write after it was lost)
// must not refuse the student's own choice as "already used" (issue 10,
// point 5); a reset to the current password is still refused (see
// TestResetRefusesHistory).
func TestPasswordRetryAfterLostAnswer(t *testing.T) {
	t.Parallel()
	lost := true
	e := newEnv(t, func(_ *flows.Config, d *flows.Deps) {
		d.Directory = hookedDir{Directory: d.Directory, afterSet: func() error {
			if lost {
				lost = false
				return errors.New("ldap: answer lost (timeout)")
			}
			return nil
		}}
	})
	b := e.browser(t)
	b.toPassword("activation")
	must(t, b.submit("/activation/password", pwForm(goodPassword, goodPassword)), http.StatusInternalServerError)
	if _, err := e.dir.Authenticate(context.Background(), "22012345T", goodPassword); err != nil {
		t.Fatalf("the directory did not take the password: %v", err)
	}
	// The student tries again with the same password.
	must(t, b.submit("/activation/password", pwForm(goodPassword, goodPassword)), 200, "Mot de passe initialisé avec succès")
}

// A browser that gives up on a submit (a second click, a closed tab)
// must not leave the flow behind the directory: once the password is
// set, the flow records it, or the next try would be refused as a
// password already used.
func TestAbandonedSubmitStillRecorded(t *testing.T) {
	t.Parallel()
	var cancel context.CancelFunc
	e := newEnv(t, func(_ *flows.Config, d *flows.Deps) {
		d.Directory = hookedDir{Directory: d.Directory, beforeSet: func(ctx context.Context) {
			if cancel == nil {
				return
			}
			cancel()
			select { // let the server notice the client has gone
			case <-ctx.Done():
			case <-time.After(300 * time.Millisecond):
			}
		}}
	})
	b := e.browser(t)
	b.toPassword("activation")
	form := pwForm(goodPassword, goodPassword)
	form.Set("csrf", b.csrf)
	form.Set("version", b.version)
	form.Set("step", "password")
	ctx, c := context.WithCancel(context.Background())
	cancel = c
	req, _ := http.NewRequestWithContext(ctx, "POST", e.srv.URL+"/activation/password", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if _, err := b.c.Do(req); err == nil {
		t.Fatal("the request was not abandoned")
	}
	cancel = nil
	deadline := time.Now().Add(3 * time.Second)
	for {
		r := b.follow("/activation/password")
		if strings.Contains(r.body, "Mot de passe initialisé avec succès") {
			if _, err := e.dir.Authenticate(context.Background(), "22012345T", goodPassword); err != nil {
				t.Fatalf("done, but the password is not set: %v", err)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the flow did not record the password set:\n%s", r.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A flow in progress whose definition changed shape on reload (steps
// added, removed or moved) starts again: its step index means another
// step now, or none (which panicked).
func TestReloadedShapeRestartsFlows(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := newEnv(t, func(c *flows.Config, _ *flows.Deps) { c.DefinitionsDir = dir })
	write := func(src string) {
		if err := os.WriteFile(filepath.Join(dir, "signup.yaml"), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := e.h.Reload(); err != nil {
			t.Fatal(err)
		}
	}
	write("name: signup\nsteps:\n  - type: identify\n  - type: verify\n  - type: password\n  - type: done\n")
	b := e.browser(t)
	b.follow("/signup")
	must(t, b.submit("/signup/identify", identifyForm("22012345", "123456789AB", "0788102599")), 200, "Code d'activation")
	// Same shape, new parameters: the flow goes on.
	write("name: signup\nttl: 2h\nsteps:\n  - type: identify\n  - type: verify\n  - type: password\n  - type: done\n")
	must(t, b.follow("/signup/verify"), 200, "Code d'activation")
	write("name: signup\nentry: handover\nsteps:\n  - type: done\n")
	must(t, b.get("/signup/done"), http.StatusGone, "Votre session a expiré")
	must(t, b.post("/signup/done", url.Values{}), http.StatusGone)
}

// A store outage is not an expired flow (issue 10, point 4): the student
// is told that the service is briefly unavailable and that nothing was
// lost (503, Retry-After), in their language.
func TestStoreOutageIsNotExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser(t)
	must(t, b.follow("/activation?lang=en"), 200, "Student number")
	_ = e.store.Client().Do(context.Background(), "SHUTDOWN", "NOSAVE").Err() // Redis goes away
	req, _ := http.NewRequest("GET", e.srv.URL+"/activation/identify", nil)
	res, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	body := string(raw)
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" ||
		!strings.Contains(body, "Nothing was lost") || strings.Contains(body, "expired") {
		t.Fatalf("%d Retry-After %q:\n%s", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
}

// A flow the store no longer has (its TTL, a failover that lost it) is
// started anew with a word about it, not silently (issue 10, point 10);
// a browser that never had a flow gets no such word.
func TestLostFlowSaysSo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser(t)
	must(t, b.follow("/activation"), 200, "Numéro étudiant")
	if strings.Contains(b.follow("/activation").body, "n'a pas pu être reprise") {
		t.Fatal("a flow in progress is announced as lost")
	}
	if err := e.store.Client().FlushDB(context.Background()).Err(); err != nil { // the store lost it
		t.Fatal(err)
	}
	must(t, b.follow("/activation"), 200, "Numéro étudiant", "Votre démarche précédente n'a pas pu être reprise")
	if r := e.browser(t).follow("/activation"); strings.Contains(r.body, "n'a pas pu être reprise") {
		t.Fatal("a new browser is told its flow was lost")
	}
}
