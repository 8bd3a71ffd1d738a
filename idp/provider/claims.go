package provider

import (
	"slices"
	"strings"

	"github.com/seuil-idp/seuil/idp/directory"
)

// accountFields are the account values a client's claims mapping may use.
var accountFields = map[string]func(directory.Account) string{
	"login":      func(a directory.Account) string { return a.Login },
	"student_id": func(a directory.Account) string { return a.StudentID },
	"ine":        func(a directory.Account) string { return a.INE },
	"email":      func(a directory.Account) string { return a.Email },
	"mobile":     func(a directory.Account) string { return a.Mobile },
	"first_name": func(a directory.Account) string { return a.FirstName },
	"last_name":  func(a directory.Account) string { return a.LastName },
}

// userClaims returns the claims about the user that the granted scopes
// and the client's mapping allow; they go in the ID token and userinfo.
func userClaims(a directory.Account, scopes []string, cl ClientConfig) map[string]any {
	out := map[string]any{}
	has := func(s string) bool {
		for _, g := range scopes {
			if g == s {
				return true
			}
		}
		return false
	}
	if has("profile") {
		out["preferred_username"] = a.Login
		out["given_name"] = a.FirstName
		out["family_name"] = a.LastName
		out["name"] = strings.TrimSpace(a.FirstName + " " + a.LastName)
	}
	if has("email") && a.Email != "" {
		out["email"] = a.Email
	}
	for name, field := range cl.Claims {
		if v, ok := strings.CutPrefix(field, "="); ok {
			out[name] = v
		} else if f := accountFields[field]; f != nil {
			if v := f(a); v != "" {
				out[name] = v
			}
		}
	}
	return out
}

// acrPassword is the acr of every ID token: a password sign-in.
const acrPassword = "urn:seuil:acr:password"

// standardClaims are the claims Seuil issues to every client that asks.
var standardClaims = []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "sid", "at_hash",
	"preferred_username", "name", "given_name", "family_name", "email"}

// claimsSupported lists for discovery the standard claims and, sorted,
// the names of the clients' mapped claims.
func (p *Provider) claimsSupported() []string {
	var mapped []string
	for _, cl := range p.cfg.Clients {
		for name := range cl.Claims {
			if !slices.Contains(standardClaims, name) && !slices.Contains(mapped, name) {
				mapped = append(mapped, name)
			}
		}
	}
	slices.Sort(mapped)
	return append(slices.Clone(standardClaims), mapped...)
}
