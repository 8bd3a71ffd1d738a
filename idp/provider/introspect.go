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
		// WriteIntrospectionError answers 401 to request_unauthorized
		// only; an authentication failure is that, whatever its cause.
		p.log.InfoContext(ctx, "introspection refused", "err", fosite.ErrorToRFC6749Error(err).HintField)
		p.oauth.WriteIntrospectionError(ctx, w, fosite.ErrRequestUnauthorized.WithHint("Client authentication failed."))
		return
	}
	tu, ar, err := p.oauth.IntrospectToken(ctx, r.PostForm.Get("token"), fosite.TokenUse(r.PostForm.Get("token_type_hint")), openid.NewDefaultSession())
	if err != nil || ar.GetClient().GetID() != caller.GetID() {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte(`{"active":false}` + "\n"))
		return
	}
	ir := &fosite.IntrospectionResponse{Active: true, AccessRequester: ar, TokenUse: tu}
	if tu == fosite.AccessToken {
		ir.AccessTokenType = fosite.BearerAccessToken
	}
	p.oauth.WriteIntrospectionResponse(ctx, w, ir)
}
