package provider

import (
	"net/http"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/openid"
)

// introspect is RFC 7662 token introspection. fosite's own handler knows
// only HTTP Basic (and bearer tokens, which Seuil does not want: any
// user's access token would do); here the caller authenticates like at
// the token endpoint, by its registered method, private_key_jwt
// included, and learns about its own tokens only.
func (p *Provider) introspect(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		p.oauth.WriteIntrospectionError(ctx, w, fosite.ErrInvalidRequest.WithWrap(err))
		return
	}
	caller, err := p.fosite.AuthenticateClient(ctx, r, r.PostForm)
	if err == nil && caller.IsPublic() {
		err = fosite.ErrInvalidClient.WithHint("Public clients cannot introspect tokens.")
	}
	if err != nil {
		p.log.InfoContext(ctx, "introspection refused", "err", fosite.ErrorToRFC6749Error(err).HintField)
		invalidClient(w, r)
		return
	}
	tu, ar, err := p.oauth.IntrospectToken(ctx, r.PostForm.Get("token"), fosite.TokenUse(r.PostForm.Get("token_type_hint")), openid.NewDefaultSession())
	if err != nil || (ar.GetClient().GetID() != caller.GetID() && !caller.(*Client).Conf.ResourceServer) {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte(`{"active":false}` + "\n"))
		return
	}
	ir := &fosite.IntrospectionResponse{Active: true, AccessRequester: ar, TokenUse: tu}
	if tu == fosite.AccessToken {
		ir.AccessTokenType = fosite.BearerAccessToken
	} else {
		// fosite's writer reports the access token's exp whatever the
		// token; RFC 7662 §2.2 wants the introspected token's own. The
		// session is this request's copy, never stored back.
		s := ar.GetSession()
		s.SetExpiresAt(fosite.AccessToken, s.GetExpiresAt(tu))
	}
	p.oauth.WriteIntrospectionResponse(ctx, w, ir)
}

// invalidClient answers a failed client authentication as RFC 7662 2.3
// asks: 401 and RFC 6749 5.2's invalid_client, whatever the cause, with
// the Basic challenge when Basic was tried. fosite's
// WriteIntrospectionError answers 401 only with its own
// request_unauthorized code, which relying party libraries do not know.
func invalidClient(w http.ResponseWriter, r *http.Request) {
	jsonError(challenge(w, r), http.StatusUnauthorized, "invalid_client", "Client authentication failed.")
}
