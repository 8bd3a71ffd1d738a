package students

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
)

const header = "COD_ETU;COD_NNE_IND;LIB_NOM_PAT_IND;LIB_PR1_IND;DATE_NAI_IND;NUM_TEL_PORT;ADR_MAIL_PERSO;COD_ANU\n"

func readAll(t *testing.T, data string, f CSVFormat) ([]Record, []*RowError, error) {
	t.Helper()
	var recs []Record
	var bad []*RowError
	err := ReadCSV(context.Background(), []byte(data), f,
		func(r Record) error { recs = append(recs, r); return nil },
		func(e *RowError) { bad = append(bad, e) })
	return recs, bad, err
}

func TestReadCSVValid(t *testing.T) {
	t.Parallel()
	data := header + "22012345;123456789AB;Dupont;Élodie;03/07/2005;07 88 10 25 99;elodie@example.org;2026\n" +
		"22012346; 0123456789a ;Martin;Jean;;+44 7911 123456;;\n"
	recs, bad, err := readAll(t, data, CSVFormat{})
	if err != nil || len(bad) != 0 {
		t.Fatalf("err=%v bad=%v", err, bad)
	}
	want := []Record{
		{StudentID: "22012345", INE: "123456789AB", LastName: "Dupont", FirstName: "Élodie",
			BirthDate: time.Date(2005, 7, 3, 0, 0, 0, 0, time.UTC), Mobile: "+33788102599",
			Email: "elodie@example.org", Year: 2026},
		{StudentID: "22012346", INE: "0123456789A", LastName: "Martin", FirstName: "Jean", Mobile: "+447911123456"},
	}
	if len(recs) != len(want) {
		t.Fatalf("got %d records, want %d", len(recs), len(want))
	}
	for i := range want {
		if recs[i] != want[i] {
			t.Errorf("record %d:\n got %+v\nwant %+v", i, recs[i], want[i])
		}
	}
}

func TestReadCSVInvalidRows(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		row  string
		want error
	}{
		{"bad INE", "22000001;12345;A;B;;;;", ErrINEFormat},
		{"bad phone", "22000001;123456789AB;A;B;;12;;", ErrPhone},
		{"bad date", "22000001;123456789AB;A;B;31/02/2005;;;", ErrDate},
		{"ISO-less date", "22000001;123456789AB;A;B;2005/02/01;;;", ErrDate},
		{"too few columns", "22000001;123456789AB;A;B", ErrColumnCount},
		{"too many columns", "22000001;123456789AB;A;B;;;;;x", ErrColumnCount},
		{"bad student number", "22 01;123456789AB;A;B;;;;", ErrStudentID},
		{"missing first name", "22000001;123456789AB;A;;;;;", ErrName},
		{"line break in a name", "22000001;123456789AB;\"Du\npont\";B;;;;", ErrName},
		{"control character in a name", "22000001;123456789AB;A;B\x1f;;;;", ErrName},
		{"bad e-mail", "22000001;123456789AB;A;B;;;not-an-address;", ErrEmail},
		{"bad year", "22000001;123456789AB;A;B;;;;26x", ErrYear},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data := header + "22000000;123456789AB;Ok;Row;;;;\n" + tt.row + "\n22000002;123456789AB;Ok;Row;;;;\n"
			recs, bad, err := readAll(t, data, CSVFormat{})
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 2 {
				t.Errorf("got %d valid records, want 2 (rows around the bad one)", len(recs))
			}
			if len(bad) != 1 {
				t.Fatalf("got %d row errors, want 1", len(bad))
			}
			if !errors.Is(bad[0], tt.want) || bad[0].Line != 3 {
				t.Errorf("got line %d %v, want line 3 %v", bad[0].Line, bad[0], tt.want)
			}
		})
	}
}

func TestReadCSVDuplicate(t *testing.T) {
	t.Parallel()
	data := header + "22000001;123456789AB;A;B;;;;\n22000001;123456789AB;C;D;;;;\n"
	recs, bad, err := readAll(t, data, CSVFormat{})
	if err != nil || len(recs) != 1 || recs[0].LastName != "A" {
		t.Fatalf("err=%v recs=%+v", err, recs)
	}
	if len(bad) != 1 || !errors.Is(bad[0], ErrDuplicate) || bad[0].Line != 3 || bad[0].Key != "22000001" {
		t.Fatalf("bad=%+v", bad)
	}
	if !strings.Contains(bad[0].Error(), "line 2") {
		t.Errorf("error %q does not name the first line", bad[0])
	}
}

func TestReadCSVLatin1AndINEKey(t *testing.T) {
	t.Parallel()
	utf := "\ufeffcod_etu;COD_NNE_IND;COD_CLE_NNE_IND;LIB_NOM_PAT_IND;LIB_PR1_IND\n22000001;0123456789;A;Lefèvre;Zoé\n"
	latin, err := charmap.Windows1252.NewEncoder().String(utf[3:])
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"utf8-bom": utf, "latin1": latin} {
		recs, bad, err := readAll(t, data, CSVFormat{})
		if err != nil || len(bad) != 0 || len(recs) != 1 {
			t.Fatalf("%s: err=%v bad=%v recs=%v", name, err, bad, recs)
		}
		if r := recs[0]; r.LastName != "Lefèvre" || r.FirstName != "Zoé" || r.INE != "0123456789A" {
			t.Errorf("%s: got %+v", name, r)
		}
	}
}

func TestReadCSVColumnsConfigurable(t *testing.T) {
	t.Parallel()
	data := "num,ine,nom,prenom,fin\n22000001,123456789AB,A,B,2027-08-31\n"
	f := CSVFormat{Comma: ',', Columns: Columns{StudentID: "num", INE: "ine", LastName: "nom", FirstName: "prenom", EndDate: "fin"}}
	recs, bad, err := readAll(t, data, f)
	if err != nil || len(bad) != 0 || len(recs) != 1 {
		t.Fatalf("err=%v bad=%v recs=%v", err, bad, recs)
	}
	if !recs[0].EndDate.Equal(time.Date(2027, 8, 31, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("end date %v", recs[0].EndDate)
	}
}

func TestReadCSVMissingColumn(t *testing.T) {
	t.Parallel()
	_, _, err := readAll(t, "COD_ETU;LIB_NOM_PAT_IND;LIB_PR1_IND\n", CSVFormat{})
	if err == nil || !strings.Contains(err.Error(), "COD_NNE_IND") {
		t.Fatalf("err = %v, want one naming COD_NNE_IND", err)
	}
	if _, _, err := readAll(t, "", CSVFormat{}); err == nil {
		t.Fatal("empty file accepted")
	}
}

func TestCSVSourceReloads(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "apogee.csv")
	write := func(body string, mtime time.Time) {
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
	src, err := NewCSV(ctx, CSVConfig{Path: path, CheckEvery: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := src.Lookup(ctx, "22000001"); err != nil || r.Mobile != "+33788102599" {
		t.Fatalf("lookup: %+v %v", r, err)
	}
	if _, err := src.Lookup(ctx, "22000002"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown student: %v", err)
	}
	write("22000001;123456789AB;A;B;;0788102500;;\n22000002;123456789AB;C;D;;;;\n", t0.Add(time.Minute))
	time.Sleep(5 * time.Millisecond)
	if r, err := src.Lookup(ctx, "22000002"); err != nil || r.LastName != "C" {
		t.Fatalf("after rewrite: %+v %v", r, err)
	}
	if r, _ := src.Lookup(ctx, "22000001"); r.Mobile != "+33788102500" {
		t.Fatalf("changed mobile not reloaded: %+v", r)
	}
	// A file still being written (modified just now) is not read yet.
	if err := os.WriteFile(path, []byte(header), 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if _, err := src.Lookup(ctx, "22000002"); err != nil {
		t.Fatalf("half-written file read: %v", err)
	}
	// A broken rewrite keeps the previous contents.
	if err := os.WriteFile(path, []byte("garbage\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, t0.Add(2*time.Minute), t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if _, err := src.Lookup(ctx, "22000002"); err != nil {
		t.Fatalf("broken file dropped the previous contents: %v", err)
	}
	n := 0
	if err := src.All(ctx, func(Record) error { n++; return nil }, func(*RowError) {}); err == nil {
		t.Fatal("All accepted a file without the required columns")
	}
}

func TestNewCSVMissingFile(t *testing.T) {
	t.Parallel()
	if _, err := NewCSV(context.Background(), CSVConfig{Path: filepath.Join(t.TempDir(), "none.csv")}); err == nil {
		t.Fatal("missing file accepted")
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add([]byte(header + "22012345;123456789AB;Dupont;Élodie;03/07/2005;07 88 10 25 99;e@example.org;2026\n"))
	f.Add([]byte(header + "\"22;\"\"x;;;\n;;;\xe9\xff;\n"))
	f.Add([]byte("COD_ETU;COD_NNE_IND;LIB_NOM_PAT_IND;LIB_PR1_IND\n1;2;3\n1;2;3;4;5\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		seen := map[string]bool{}
		_ = ReadCSV(context.Background(), data, CSVFormat{},
			func(r Record) error {
				if seen[r.StudentID] {
					t.Fatalf("duplicate %q emitted", r.StudentID)
				}
				seen[r.StudentID] = true
				if _, _, err := NormaliseINE(r.INE); err != nil || !studentIDPattern.MatchString(r.StudentID) {
					t.Fatalf("invalid record emitted: %+v", r)
				}
				return nil
			},
			func(e *RowError) {
				if e.Line < 2 || e.Err == nil {
					t.Fatalf("row error without line: %+v", e)
				}
			})
	})
}

func TestCSVSourceConcurrentReload(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "apogee.csv")
	if err := os.WriteFile(path, []byte(header+"22000001;123456789AB;A;B;;;;\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	src, err := NewCSV(ctx, CSVConfig{Path: path, CheckEvery: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	for g := 0; g < 4; g++ {
		go func() {
			for i := 0; i < 200; i++ {
				if _, err := src.Lookup(ctx, "22000001"); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for i := 0; i < 20; i++ {
		mt := time.Now().Add(-time.Hour + time.Duration(i)*time.Second)
		_ = os.WriteFile(path, []byte(header+"22000001;123456789AB;A;B;;;;\n22000002;123456789AB;C;D;;;;\n"), 0o600)
		_ = os.Chtimes(path, mt, mt)
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Fatalf("lookup during reloads: %v", err)
		}
	}
}
