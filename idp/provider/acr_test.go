package provider

import "testing"

// An activation's session ("otp": a code by SMS or mail, then a new
// password) is a password-level sign-in; only the console's second
// factor on top of the password ("mfa") is multi-factor.
func TestACR(t *testing.T) {
	for _, c := range []struct {
		amr  []string
		want string
	}{
		{[]string{"pwd"}, acrPassword},
		{[]string{"otp"}, acrPassword},
		{[]string{"otp", "pwd"}, acrPassword},
		{[]string{"pwd", "otp", "mfa"}, acrMFA},
	} {
		if got := acrOf(c.amr); got != c.want {
			t.Errorf("acrOf(%v) = %s, want %s", c.amr, got, c.want)
		}
	}
}
