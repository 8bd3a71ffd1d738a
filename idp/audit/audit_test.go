package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seuil-idp/seuil/idp/audit"
	"github.com/seuil-idp/seuil/idp/audit/audittest"
	"github.com/seuil-idp/seuil/idp/students/pgtest"
)

func TestFileConformance(t *testing.T) {
	t.Parallel()
	audittest.Run(t, func(t *testing.T) (audit.Store, func(*testing.T) audit.Store) {
		path := filepath.Join(t.TempDir(), "audit.jsonl")
		open := func(t *testing.T) audit.Store {
			s, err := audit.OpenFile(path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
		return open(t), open
	})
}

func TestPostgresConformance(t *testing.T) {
	t.Parallel()
	dsn := pgtest.Start(t)
	n := 0
	audittest.Run(t, func(t *testing.T) (audit.Store, func(*testing.T) audit.Store) {
		n++
		table := "audit_" + strings.Repeat("x", n) // a fresh table per subtest
		open := func(t *testing.T) audit.Store {
			s, err := audit.OpenPostgres(context.Background(), dsn, table)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
		return open(t), open
	})
}

// The table is append-only: an UPDATE is refused by the database itself.
func TestPostgresRefusesUpdate(t *testing.T) {
	t.Parallel()
	dsn := pgtest.Start(t)
	s, err := audit.OpenPostgres(context.Background(), dsn, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Append(context.Background(), audit.Event{Kind: audit.KindSignIn, Outcome: "ok"}); err != nil {
		t.Fatal(err)
	}
	if err := audit.ExecForTest(s, "UPDATE seuil_audit SET outcome = 'changed'"); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("UPDATE = %v, want refused as append-only", err)
	}
}

// Every event is also a JSON log line a SIEM can take, with the request id.
func TestRecordLogsJSON(t *testing.T) {
	var buf bytes.Buffer
	tr := audit.New(nil, slog.New(slog.NewJSONHandler(&buf, nil)), 0)
	ctx := audit.WithRequestID(context.Background(), "req-1")
	if err := tr.Record(ctx, audit.Event{Kind: audit.KindUnblock, Student: "22012345", Actor: "hsupport", Reason: "appel"}); err != nil {
		t.Fatal(err)
	}
	var line struct {
		Raw map[string]any `json:"audit"`
	}
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("not JSON: %s", buf.Bytes())
	}
	for k, want := range map[string]string{"kind": "staff.unblock", "outcome": "ok", "student": "22012345", "actor": "hsupport", "request_id": "req-1"} {
		if line.Raw[k] != want {
			t.Errorf("log line %s = %v, want %q (%s)", k, line.Raw[k], want, buf.Bytes())
		}
	}
	if tr.Durable() {
		t.Error("a trail without store says it is durable")
	}
}

func TestRefs(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		r := audit.NewRef()
		if len(r) != 7 || r[3] != '-' || audit.NormalizeRef(r) != r {
			t.Fatalf("NewRef = %q", r)
		}
		seen[r] = true
	}
	if len(seen) < 990 {
		t.Errorf("only %d distinct refs in 1000", len(seen))
	}
	for in, want := range map[string]string{"k7f-2qx": "K7F-2QX", " K7F 2QX ": "K7F-2QX", "ko1-l1i": "K01-111", "K7F2Q": "", "K7F-2QU": "", "*": ""} {
		if got := audit.NormalizeRef(in); got != want {
			t.Errorf("NormalizeRef(%q) = %q, want %q", in, got, want)
		}
	}
}
