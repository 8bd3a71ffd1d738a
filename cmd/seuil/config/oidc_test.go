package config

import (
	"slices"
	"testing"
)

func TestKeyFilesOrder(t *testing.T) {
	t.Parallel()
	o := OIDC{Keys: []SigningKey{
		{File: "old.pem", Use: "retiring"}, {File: "es.pem", Use: "active"}, {File: "rs.pem", Use: "active"}, {File: "rs-old.pem", Use: "retiring"},
	}}
	if got := o.Files(); !slices.Equal(got, []string{"es.pem", "rs.pem", "old.pem", "rs-old.pem"}) {
		t.Errorf("Files() = %v", got)
	}
	if got := o.RetiringFiles(); !slices.Equal(got, []string{"old.pem", "rs-old.pem"}) {
		t.Errorf("RetiringFiles() = %v", got)
	}
}
