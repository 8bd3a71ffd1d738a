package provider

import (
	"net/http"
	"net/url"
)

// issWriter adds the issuer to an authorization response redirected in
// the query (RFC 9207, the mix-up defence RFC 9700 §4.4 asks for), codes
// and errors alike, and takes out the noState placeholder. The form_post
// page does both itself (formPostTemplate).
type issWriter struct {
	http.ResponseWriter
	iss string
}

func withIss(w http.ResponseWriter, iss string) http.ResponseWriter {
	return &issWriter{ResponseWriter: w, iss: iss}
}

func (w *issWriter) WriteHeader(code int) {
	if code/100 == 3 {
		if u, err := url.Parse(w.Header().Get("Location")); err == nil && u.IsAbs() {
			q := u.Query()
			if q.Get("state") == noState {
				q.Del("state")
			}
			if !q.Has("iss") {
				q.Set("iss", w.iss)
			}
			u.RawQuery = q.Encode()
			w.Header().Set("Location", u.String())
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *issWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
