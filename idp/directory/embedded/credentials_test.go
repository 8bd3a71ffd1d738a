package embedded_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/seuil-idp/seuil/idp/credentials"
	"github.com/seuil-idp/seuil/idp/credentials/credentialstest"
	"github.com/seuil-idp/seuil/idp/directory/embedded"
	"github.com/seuil-idp/seuil/idp/students"
)

func TestCredentialsConformance(t *testing.T) {
	credentialstest.Run(t, func(t *testing.T) credentialstest.Harness {
		path := filepath.Join(t.TempDir(), "accounts.json")
		d := open(t, path, embedded.Options{Argon2: cheap})
		for _, id := range []string{"22000001", "22000002"} {
			if _, err := d.Ensure(context.Background(), students.Record{StudentID: id}, id+"T"); err != nil {
				t.Fatal(err)
			}
		}
		return credentialstest.Harness{
			Backend: d, Logins: [2]string{"22000001T", "22000002T"},
			Reopen: func(t *testing.T) credentials.Backend { return open(t, path, embedded.Options{Argon2: cheap}) },
			Raw: func(t *testing.T, _ string) []byte {
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				return b
			},
		}
	})
}
