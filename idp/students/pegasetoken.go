package students

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// casToken holds the bearer token Pégase's CAS issues to an API account
// (a JWT returned by POST username, password and token=true to the
// ticket endpoint), and takes a new one before it expires. The token is
// a credential: it is never logged, and errors name the endpoint only.
type casToken struct {
	url, user, pass string
	http            *http.Client
	now             func() time.Time

	mu      sync.Mutex
	value   string
	renewAt time.Time
}

// tokenLifetime is assumed when the token says nothing of its expiry.
const tokenLifetime = 30 * time.Minute

func (t *casToken) get(ctx context.Context) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.value != "" && t.now().Before(t.renewAt) {
		return t.value, nil
	}
	tok, exp, err := t.fetch(ctx)
	if err != nil {
		return "", err
	}
	now := t.now()
	if exp.IsZero() || !exp.After(now) {
		exp = now.Add(tokenLifetime)
	}
	// Renew at four fifths of the lifetime, and at least a minute
	// early, so a request never leaves with a token about to lapse.
	life := exp.Sub(now)
	early := life / 5
	if early < time.Minute {
		early = min(time.Minute, life/2)
	}
	t.value, t.renewAt = tok, exp.Add(-early)
	return tok, nil
}

// forget drops tok after the API refused it, unless another request has
// already replaced it.
func (t *casToken) forget(tok string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.value == tok {
		t.value = ""
	}
}

// ErrPegaseCredentials means the CAS refused the API account.
var ErrPegaseCredentials = errors.New("students: pegase: the CAS refused the API account's credentials")

func (t *casToken) fetch(ctx context.Context) (string, time.Time, error) {
	form := url.Values{"username": {t.user}, "password": {t.pass}, "token": {"true"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, strings.NewReader(form.Encode()))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("students: pegase: token: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := t.http.Do(req)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("students: pegase: token endpoint %s: %w", redactURL(t.url), err)
	}
	defer drain(resp)
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden ||
		resp.StatusCode == http.StatusBadRequest:
		return "", time.Time{}, ErrPegaseCredentials
	case resp.StatusCode/100 != 2:
		return "", time.Time{}, fmt.Errorf("students: pegase: token endpoint %s: HTTP %d", redactURL(t.url), resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("students: pegase: token endpoint: %w", err)
	}
	tok := strings.TrimSpace(string(body))
	if tok == "" || strings.ContainsAny(tok, " \t\r\n<") {
		// An HTML login page or an empty body is not a token.
		return "", time.Time{}, fmt.Errorf("students: pegase: token endpoint %s answered something that is not a token", redactURL(t.url))
	}
	return tok, jwtExpiry(tok), nil
}

// jwtExpiry reads the exp claim of a JWT without checking its signature:
// the token is only passed on to Pégase, which checks it; Seuil only
// needs to know when to take the next one. Zero when unreadable.
func jwtExpiry(tok string) time.Time {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return time.Time{}
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}
	}
	var claims struct {
		Exp float64 `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Exp <= 0 {
		return time.Time{}
	}
	return time.Unix(int64(claims.Exp), 0)
}
