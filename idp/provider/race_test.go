package provider_test

import (
	"net/url"
	"sync"
	"testing"

	"golang.org/x/oauth2"
)

// Of concurrent exchanges of one code, one gets tokens and every other
// gets invalid_grant, never a server error.
func TestConcurrentCodeExchange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.rp()
	b := e.browser()
	for round := range 5 {
		v := oauth2.GenerateVerifier()
		resp, _ := b.follow(r.authURL(v))
		if round == 0 {
			resp, _ = b.login(r.authURL(v), testPassword)
		}
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code(t, resp)}, "redirect_uri": {rpRedirect}, "code_verifier": {v}}
		const n = 6
		var wg sync.WaitGroup
		statuses := make([]int, n)
		errs := make([]any, n)
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				var out map[string]any
				statuses[i], out = e.tokenCall(form, "pjweb", rpSecret)
				errs[i] = out["error"]
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for i, st := range statuses {
			switch {
			case st == 200:
				won++
			case st != 400 || errs[i] != "invalid_grant":
				t.Errorf("round %d: loser got %d %v", round, st, errs[i])
			}
		}
		if won != 1 {
			t.Errorf("round %d: %d exchanges succeeded, want 1", round, won)
		}
	}
}

// Of concurrent rotations of one refresh token, at most one succeeds and
// none is a server error: the others get invalid_grant (reuse, which
// revokes the family) or fosite's invalid_request "please retry" when
// they lost the optimistic lock.
func TestConcurrentRefresh(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok, _ := e.tokens(t, e.rp())
	const n = 6
	var wg sync.WaitGroup
	statuses := make([]int, n)
	errs := make([]any, n)
	for i := range n {
		wg.Go(func() {
			var out map[string]any
			statuses[i], out = e.refresh(tok.RefreshToken)
			errs[i] = out["error"]
		})
	}
	wg.Wait()
	won := 0
	for i, st := range statuses {
		switch {
		case st == 200:
			won++
		case st != 400 || errs[i] != "invalid_grant" && errs[i] != "invalid_request":
			t.Errorf("refresh %d: %d %v", i, st, errs[i])
		}
	}
	if won > 1 {
		t.Errorf("%d rotations of one refresh token succeeded", won)
	}
}
