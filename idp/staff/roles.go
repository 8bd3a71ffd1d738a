// Package staff is what makes a signed-in person staff: roles from the
// configuration (login lists, LDAP groups, eduPersonEntitlement values),
// and the second factor every staff role requires (TOTP, with
// single-use recovery codes), stored durably and sealed through
// idp/credentials.
package staff

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Role is what a staff member may do in the console.
type Role string

// Roles. Admin includes everything Helpdesk may do.
const (
	Helpdesk Role = "helpdesk"
	Admin    Role = "admin"
)

// Holders names who holds a role: any of the logins, members of any of
// the groups (DNs), or holders of any of the entitlement values.
type Holders struct {
	Logins       []string `yaml:"logins"`
	Groups       []string `yaml:"groups"`
	Entitlements []string `yaml:"entitlements"`
}

func (h Holders) empty() bool {
	return len(h.Logins) == 0 && len(h.Groups) == 0 && len(h.Entitlements) == 0
}

// Config is the staff section of the configuration.
type Config struct {
	Helpdesk Holders `yaml:"helpdesk"`
	Admin    Holders `yaml:"admin"`
	// Issuer names Seuil in authenticator apps (default "Seuil").
	Issuer string `yaml:"totp_issuer"`
}

// Enabled reports whether anyone may hold a role.
func (c Config) Enabled() bool { return !c.Helpdesk.empty() || !c.Admin.empty() }

// Validate checks the section; the messages name the key.
func (c Config) Validate() error {
	for name, h := range map[string]Holders{"helpdesk": c.Helpdesk, "admin": c.Admin} {
		for i, g := range h.Groups {
			if !strings.Contains(g, "=") {
				return fmt.Errorf("%s.groups[%d]: %q is not a DN (cn=…,ou=groups,dc=…)", name, i, g)
			}
		}
		for i, l := range h.Logins {
			if strings.TrimSpace(l) == "" {
				return fmt.Errorf("%s.logins[%d]: empty", name, i)
			}
		}
	}
	return nil
}

// Memberships reads an account's entitlements and which of the
// candidate groups it belongs to (both directories have it).
type Memberships interface {
	Memberships(ctx context.Context, login string, groups []string) (entitlements, groups_ []string, err error)
}

// RolesOf returns the roles login holds, Admin first. A directory error
// is returned, never read as "no role".
func (c Config) RolesOf(ctx context.Context, m Memberships, login string) ([]Role, error) {
	var ents, groups []string
	if len(c.Helpdesk.Groups)+len(c.Admin.Groups)+len(c.Helpdesk.Entitlements)+len(c.Admin.Entitlements) > 0 && m != nil {
		var err error
		ents, groups, err = m.Memberships(ctx, login, slices.Concat(c.Admin.Groups, c.Helpdesk.Groups))
		if err != nil {
			return nil, fmt.Errorf("staff: roles of %s: %w", login, err)
		}
	}
	holds := func(h Holders) bool {
		return slices.ContainsFunc(h.Logins, func(l string) bool { return strings.EqualFold(l, login) }) ||
			slices.ContainsFunc(h.Groups, func(g string) bool {
				return slices.ContainsFunc(groups, func(m string) bool { return strings.EqualFold(m, g) })
			}) ||
			slices.ContainsFunc(h.Entitlements, func(e string) bool { return slices.Contains(ents, e) })
	}
	var out []Role
	if holds(c.Admin) {
		out = append(out, Admin)
	}
	if holds(c.Helpdesk) || holds(c.Admin) {
		out = append(out, Helpdesk)
	}
	return out, nil
}
