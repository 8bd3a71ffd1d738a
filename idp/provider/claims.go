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

// acrMFA is the acr of a sign-in with a second factor (staff).
const acrMFA = "urn:seuil:acr:mfa"

// acrOf names how strongly the session's holder proved who they are.
func acrOf(amr []string) string {
	// "mfa" only: an activation's "otp" (a code by SMS or mail, then a
	// new password) is not a second factor on top of a password.
	if slices.Contains(amr, "mfa") {
		return acrMFA
	}
	return acrPassword
}

// claimsSupported are the claims about the user that Seuil may issue
// to any client that asks (OIDC Discovery §3): protocol fields (nonce,
// at_hash, exp, aud) are not claims about the user (iss is, as in OIDC
// Discovery §3's example), and a client's own
// mapped claims are that client's business, not every client's.
var claimsSupported = []string{"sub", "iss", "auth_time", "acr", "amr", "sid",
	"preferred_username", "name", "given_name", "family_name", "email"}
