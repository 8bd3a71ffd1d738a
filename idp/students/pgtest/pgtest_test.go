package pgtest

import (
	"context"
	"testing"
)

func TestStart(t *testing.T) {
	db := DB(t)
	var v string
	if err := db.QueryRowContext(context.Background(), "SHOW server_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	t.Logf("PostgreSQL %s", v)
}
