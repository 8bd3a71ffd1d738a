package slapdtest

import (
	"strconv"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// populate adds the tree. Order matters: the default policy must exist
// before any entry with a password, or that entry never gets
// pwdChangedTime and never expires.
func (s *Server) populate(opts Options) error {
	c, err := s.bind(s.AdminDN, s.AdminPassword)
	if err != nil {
		return err
	}
	defer c.Close()
	maxAge := opts.MaxAge
	if maxAge == 0 {
		maxAge = 90 * 24 * time.Hour
	}
	inHistory := opts.InHistory
	if inHistory == 0 {
		inHistory = 5
	}
	minLength := opts.MinLength
	if minLength == 0 {
		minLength = 8
	}
	lockout := "FALSE"
	if opts.MaxFailure > 0 {
		lockout = "TRUE"
	}
	seconds := strconv.FormatInt(int64((maxAge+time.Second-1)/time.Second), 10)
	entries := []struct {
		dn    string
		attrs map[string][]string
	}{
		{s.Suffix, map[string][]string{"objectClass": {"dcObject", "organization"}, "dc": {"univ-tours"}, "o": {"Université de Tours"}}},
		{"ou=policies," + s.Suffix, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"policies"}}},
		{s.PolicyDN, map[string][]string{
			"objectClass": {"organizationalRole", "pwdPolicy"}, "cn": {"default"},
			"pwdAttribute": {"userPassword"}, "pwdMaxAge": {seconds},
			"pwdInHistory": {strconv.Itoa(inHistory)}, "pwdCheckQuality": {"1"},
			"pwdMinLength": {strconv.Itoa(minLength)}, "pwdGraceAuthNLimit": {strconv.Itoa(opts.GraceLogins)},
			"pwdLockout": {lockout}, "pwdMaxFailure": {strconv.Itoa(opts.MaxFailure)},
			"pwdMustChange": {"FALSE"}, "pwdAllowUserChange": {"TRUE"}, "pwdSafeModify": {"FALSE"},
		}},
		{"cn=service,ou=policies," + s.Suffix, map[string][]string{
			"objectClass": {"organizationalRole", "pwdPolicy"}, "cn": {"service"},
			"pwdAttribute": {"userPassword"}, "pwdMaxAge": {"0"}, "pwdLockout": {"FALSE"},
		}},
		{"ou=services," + s.Suffix, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"services"}}},
		{s.ServiceDN, map[string][]string{
			"objectClass": {"organizationalRole", "simpleSecurityObject"}, "cn": {"seuil"},
			"userPassword":      {s.ServicePassword},
			"pwdPolicySubentry": {"cn=service,ou=policies," + s.Suffix},
		}},
		{s.PeopleDN, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"people"}}},
		{"ou=groups," + s.Suffix, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"groups"}}},
	}
	for _, e := range entries {
		req := ldap.NewAddRequest(e.dn, nil)
		for name, vals := range e.attrs {
			req.Attribute(name, vals)
		}
		if err := c.Add(req); err != nil {
			return err
		}
	}
	return nil
}
