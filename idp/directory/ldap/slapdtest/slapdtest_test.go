package slapdtest

import (
	"testing"

	"github.com/go-ldap/ldap/v3"
)

func TestStartServiceBind(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{})
	c, err := s.bind(s.ServiceDN, s.ServicePassword)
	if err != nil {
		t.Fatalf("service bind: %v", err)
	}
	defer c.Close()
	res, err := c.Search(ldap.NewSearchRequest(s.PolicyDN, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=pwdPolicy)", []string{"pwdMaxAge"}, nil))
	if err != nil || len(res.Entries) != 1 || res.Entries[0].GetAttributeValue("pwdMaxAge") != "7776000" {
		t.Fatalf("service cannot read the default policy: %v %+v", err, res)
	}
	if _, err := s.bind(s.ServiceDN, "wrong"); !ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
		t.Fatalf("wrong service password: got %v", err)
	}
}
