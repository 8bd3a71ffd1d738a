package credentials

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// A passkey's user handle is the same for one login every time, opens
// back to it under the same key only, reveals nothing of it, and fits
// WebAuthn's 64 bytes.
func TestUserHandle(t *testing.T) {
	v1, _ := NewVault(nil, bytes.Repeat([]byte{1}, KeySize))
	v2, _ := NewVault(nil, bytes.Repeat([]byte{2}, KeySize))
	a, err := v1.UserHandle("22012345T")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := v1.UserHandle("22012345T")
	other, _ := v1.UserHandle("22012346T")
	underV2, _ := v2.UserHandle("22012345T")
	switch {
	case !bytes.Equal(a, again):
		t.Error("two handles for one login")
	case bytes.Equal(a, other), bytes.Equal(a, underV2):
		t.Error("one handle for two logins or two keys")
	case len(a) > 64, bytes.Contains(a, []byte("22012345")):
		t.Errorf("handle %x: over 64 bytes or holding the login", a)
	}
	for _, c := range []struct {
		name   string
		v      *Vault
		handle []byte
		want   string
	}{
		{"its own key", v1, a, "22012345T"},
		{"another key", v2, a, ""},
		{"tampered", v1, append(append([]byte{}, a[:len(a)-1]...), a[len(a)-1]^1), ""},
		{"short", v1, a[:5], ""},
	} {
		login, err := c.v.HandleLogin(c.handle)
		if login != c.want || (c.want == "" && !errors.Is(err, ErrSealed)) {
			t.Errorf("%s: HandleLogin = %q, %v; want %q", c.name, login, err, c.want)
		}
	}
	if _, err := v1.UserHandle(strings.Repeat("x", 37)); err == nil {
		t.Error("a 37-byte login made a handle over 64 bytes")
	}
}
