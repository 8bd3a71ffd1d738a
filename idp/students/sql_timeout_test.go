package students_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/idp/students"
	"github.com/seuil-idp/seuil/idp/students/pgtest"
)

// TestSQLLookupTimeout: a database that hangs (a lock, a slow plan) must
// not hold the student's request beyond SQLConfig.Timeout.
func TestSQLLookupTimeout(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	src, err := students.NewSQL(db, students.SQLConfig{
		LookupQuery: "SELECT $1::text AS cod_etu, '123456789AB' AS ine, 'A' AS nom, 'B' AS prenom FROM pg_sleep(10)",
		Columns:     students.Columns{StudentID: "cod_etu", INE: "ine", LastName: "nom", FirstName: "prenom"},
		Timeout:     200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = src.Lookup(context.Background(), "22012345")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want a deadline error", err)
	}
}
