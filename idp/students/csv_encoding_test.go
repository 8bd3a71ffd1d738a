package students

import (
	"testing"

	"golang.org/x/text/encoding/charmap"
)

// TestReadCSVEncoding: the configured encoding is obeyed. A Latin-1 file
// whose accents happen to form valid UTF-8 ("Ã©" is C3 A9) is read as
// Latin-1 when so configured, and a file declared UTF-8 that is not is
// refused rather than guessed.
func TestReadCSVEncoding(t *testing.T) {
	t.Parallel()
	const h = "COD_ETU;COD_NNE_IND;LIB_NOM_PAT_IND;LIB_PR1_IND\n"
	latin1, err := charmap.Windows1252.NewEncoder().String(h + "22012345;123456789AB;Dupont;Ã©lodie\n")
	if err != nil {
		t.Fatal(err)
	}
	bad, _ := charmap.Windows1252.NewEncoder().String(h + "22012345;123456789AB;Dupont;Élodie\n")
	tests := []struct {
		encoding, data, first string
		wantErr               bool
	}{
		{"", latin1, "é", false}, // auto: valid UTF-8, taken as such
		{"auto", latin1, "é", false},
		{"latin-1", latin1, "Ã©", false},
		{"latin-1", bad, "É", false},
		{"utf-8", "\ufeff" + h + "22012345;123456789AB;Dupont;Élodie\n", "É", false},
		{"utf-8", bad, "", true},
		{"ebcdic", latin1, "", true},
	}
	for _, tt := range tests {
		recs, _, err := readAll(t, tt.data, CSVFormat{Encoding: tt.encoding})
		if (err != nil) != tt.wantErr {
			t.Errorf("%q: err %v, want error %v", tt.encoding, err, tt.wantErr)
			continue
		}
		if err == nil && (len(recs) != 1 || recs[0].FirstName[:len(tt.first)] != tt.first) {
			t.Errorf("%q: records %+v, want first name starting %q", tt.encoding, recs, tt.first)
		}
	}
}
