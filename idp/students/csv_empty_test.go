package students

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestCSVSourceKeepsOnEmptyReload: an extraction job whose query failed
// or returned nothing leaves a header-only file. Serving it would answer
// "unknown student" to everyone in the middle of enrolment; the previous
// list is kept (as for a broken file) until a file with students comes.
func TestCSVSourceKeepsOnEmptyReload(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "apogee.csv")
	write := func(body string, mtime time.Time) {
		t.Helper()
		if err := os.WriteFile(path, []byte(header+body), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Now().Add(-time.Hour)
	write("22000001;123456789AB;A;B;;0788102599;;\n", t0)
	ctx := context.Background()
	src, err := NewCSV(ctx, CSVConfig{Path: path, CheckEvery: time.Millisecond, Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	write("", t0.Add(time.Minute))
	time.Sleep(5 * time.Millisecond)
	if _, err := src.Lookup(ctx, "22000001"); err != nil {
		t.Fatalf("header-only rewrite dropped every student: %v", err)
	}
	write("22000002;123456789AB;C;D;;;;\n", t0.Add(2*time.Minute))
	time.Sleep(5 * time.Millisecond)
	if _, err := src.Lookup(ctx, "22000002"); err != nil {
		t.Fatalf("next good file not loaded: %v", err)
	}
	if _, err := src.Lookup(ctx, "22000001"); err == nil {
		t.Fatal("student removed from the file still served")
	}
}

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))
