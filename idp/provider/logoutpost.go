package provider

import (
	"net/http"
	"net/url"
)

// logoutParams are the RP-Initiated Logout parameters Seuil reads.
var logoutParams = []string{"id_token_hint", "client_id", "post_logout_redirect_uri", "state", "ui_locales"}

// logoutEntry serves the end_session_endpoint. A relying party may send
// the logout request by POST from its own pages (RP-Initiated Logout 1.0
// §2). Such a cross-site POST carries no SameSite=Lax cookie, so the
// session could not be found, and forms (CrossOrigin) refuses it: it is
// answered with the same request by GET, a top-level navigation that
// carries the cookie and meets the usual checks (a hint of this session,
// or a confirmation). The confirmation form itself (csrf) stays
// same-origin only.
func (p *Provider) logoutEntry(forms func(http.Handler) http.Handler) http.Handler {
	same := http.NewCrossOriginProtection()
	protected := forms(http.HandlerFunc(p.logout))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || same.Check(r) == nil {
			protected.ServeHTTP(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil || r.PostForm.Has("csrf") {
			protected.ServeHTTP(w, r)
			return
		}
		q := url.Values{}
		for _, k := range logoutParams {
			if v := r.PostForm.Get(k); v != "" {
				q.Set(k, v)
			}
		}
		http.Redirect(w, r, p.base+"/oauth2/logout?"+q.Encode(), http.StatusSeeOther)
	})
}
