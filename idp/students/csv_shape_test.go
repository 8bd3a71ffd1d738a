package students

import (
	"errors"
	"strings"
	"testing"
)

// TestReadCSVRealShapes: what extractions spooled by SQL*Plus or re-saved
// by a spreadsheet look like. A separator after the last column (on the
// data lines only, or on the header too), CRLF, blank lines, a BOM and a
// quoted field holding ';' must not cost a row; a trailing field that
// holds data is still a wrong column count.
func TestReadCSVRealShapes(t *testing.T) {
	t.Parallel()
	const h = "COD_ETU;COD_NNE_IND;LIB_NOM_PAT_IND;LIB_PR1_IND"
	tests := []struct {
		name    string
		data    string
		ids     []string
		badRows int
	}{
		{"trailing separator on rows", h + "\n22012345;123456789AB;Dupont;Élodie;\n22012346;123456789AC;Martin;Jean;;\n", []string{"22012345", "22012346"}, 0},
		{"trailing separator on header and rows", h + ";\r\n22012345;123456789AB;Dupont;Élodie;\r\n", []string{"22012345"}, 0},
		{"trailing separator on header only", h + ";\r\n22012345;123456789AB;Dupont;Élodie\r\n", []string{"22012345"}, 0},
		{"CRLF, BOM, blank lines", "\ufeff" + h + "\r\n\r\n22012345;123456789AB;Dupont;Élodie\r\n\r\n", []string{"22012345"}, 0},
		{"quoted separator", h + "\n22012345;123456789AB;\"Dupont; dit Martin\";Élodie\n", []string{"22012345"}, 0},
		{"extra field with data", h + "\n22012345;123456789AB;Dupont;Élodie;x\n", nil, 1},
		{"missing field", h + "\n22012345;123456789AB;Dupont\n", nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, bad, err := readAll(t, tt.data, CSVFormat{})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, r := range recs {
				ids = append(ids, r.StudentID)
			}
			if strings.Join(ids, ",") != strings.Join(tt.ids, ",") || len(bad) != tt.badRows {
				t.Fatalf("ids %v, %d bad rows (%v); want %v, %d", ids, len(bad), bad, tt.ids, tt.badRows)
			}
			for _, b := range bad {
				if !errors.Is(b, ErrColumnCount) {
					t.Errorf("bad row error %v, want ErrColumnCount", b)
				}
			}
		})
	}
}
