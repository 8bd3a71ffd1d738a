package demorp

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

const sessionCookie = "pjweb_session"

// callback completes the sign-in: checks state, exchanges the code with
// the PKCE verifier, verifies the ID token and its nonce.
func (r *rp) callback(w http.ResponseWriter, req *http.Request) {
	ctx := req.Context()
	q := req.URL.Query()
	state := q.Get("state")
	ck, err := req.Cookie("pjweb_state")
	r.mu.Lock()
	a, ok := r.pending[state]
	delete(r.pending, state)
	r.mu.Unlock()
	if !ok || err != nil || ck.Value != state {
		http.Error(w, "unknown or replayed state", http.StatusBadRequest)
		return
	}
	if e := q.Get("error"); e != "" {
		render(w, req, http.StatusOK, page{TitleKey: "failed", Error: e + ": " + q.Get("error_description")})
		return
	}
	tok, err := r.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(a.verifier))
	if err != nil {
		http.Error(w, "code exchange failed: "+err.Error(), http.StatusBadGateway)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := r.verifier.Verify(ctx, raw)
	if err != nil || idt.Nonce != a.nonce {
		http.Error(w, "ID token refused", http.StatusBadGateway)
		return
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		http.Error(w, "claims", http.StatusBadGateway)
		return
	}
	sid, _ := claims["sid"].(string)
	id := oauth2.GenerateVerifier()
	r.mu.Lock()
	r.sessions[id] = &signedIn{Claims: claims, IDToken: raw, SID: sid}
	r.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: "pjweb_state", Path: "/", MaxAge: -1})
	http.Redirect(w, req, a.target, http.StatusFound)
}

func (r *rp) current(req *http.Request) *signedIn {
	ck, err := req.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sessions[ck.Value]
}

// home shows the sign-in links, or the signed-in student's claims.
func (r *rp) home(w http.ResponseWriter, req *http.Request) {
	s := r.current(req)
	if s == nil {
		render(w, req, http.StatusOK, page{TitleKey: "welcome"})
		return
	}
	p := page{TitleKey: "yours"}
	p.Username, _ = s.Claims["preferred_username"].(string)
	for k, v := range s.Claims {
		p.Claims = append(p.Claims, claim{Name: k, Value: formatClaim(v)})
	}
	sort.Slice(p.Claims, func(i, j int) bool { return p.Claims[i].Name < p.Claims[j].Name })
	render(w, req, http.StatusOK, p)
}

func formatClaim(v any) string {
	if f, ok := v.(float64); ok && f > 1e9 {
		return time.Unix(int64(f), 0).UTC().Format(time.RFC3339)
	}
	return fmtAny(v)
}

// logout ends the local session and asks Seuil to end the SSO session
// (RP-initiated logout with id_token_hint).
func (r *rp) logout(w http.ResponseWriter, req *http.Request) {
	s := r.current(req)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: "/", MaxAge: -1})
	op, err := r.provider(req.Context())
	if s == nil || err != nil {
		http.Redirect(w, req, "/", http.StatusFound)
		return
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = op.Claims(&meta)
	ck, _ := req.Cookie(sessionCookie)
	r.mu.Lock()
	delete(r.sessions, ck.Value)
	r.mu.Unlock()
	q := url.Values{"id_token_hint": {s.IDToken}, "post_logout_redirect_uri": {r.cfg.BaseURL + "/"}}
	http.Redirect(w, req, meta.EndSession+"?"+q.Encode(), http.StatusFound)
}

// backchannel receives Seuil's logout token and ends the sessions of
// that SSO session.
func (r *rp) backchannel(w http.ResponseWriter, req *http.Request) {
	ctx, cancel := context.WithTimeout(req.Context(), 5*time.Second)
	defer cancel()
	if _, err := r.provider(ctx); err != nil {
		http.Error(w, "discovery", http.StatusBadGateway)
		return
	}
	tok, err := r.op.Verifier(&oidc.Config{ClientID: r.cfg.ClientID}).Verify(ctx, req.PostFormValue("logout_token"))
	var c struct {
		SID    string         `json:"sid"`
		Events map[string]any `json:"events"`
		Nonce  *string        `json:"nonce"`
	}
	if err != nil || tok.Claims(&c) != nil || c.Events["http://schemas.openid.net/event/backchannel-logout"] == nil || c.Nonce != nil {
		http.Error(w, "invalid logout token", http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	for id, s := range r.sessions {
		if s.SID == c.SID {
			delete(r.sessions, id)
		}
	}
	r.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}
