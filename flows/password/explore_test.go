package password

import (
	"fmt"
	"testing"
	"time"

	"github.com/trustelem/zxcvbn"
)

func TestExplore(t *testing.T) {
	t0 := time.Now()
	if err := Preload(); err != nil {
		t.Fatal(err)
	}
	fmt.Println("load", time.Since(t0), words().len(), words().sizeBytes())
	p := DefaultPolicy()
	c := Context{StudentID: "22012345", INE: "1234567890A", FirstName: "Jean-Éric", LastName: "Martin", BirthDate: time.Date(2006, 3, 7, 0, 0, 0, 0, time.UTC)}
	for _, pw := range []string{"password1", "Tours2026", "correct-horse-battery-9", "Bonjour2024!", "P@ssw0rd!", "motdepasse1", "4dm1n1str4t10n", "x7#kQ9!m2Lp", "m4rt1n2024xx", "07032006aa", "arriveegrandmere9", "Julien2005!", "azerty123", "soleil2024", "jetaime123", "chat!8392018475", "Été2024", "bonjour-la-vie-2024", "Tr0ub4dour&3", "9a7421986"} {
		t1 := time.Now()
		r := p.Check(pw, c)
		el := time.Since(t1)
		t1 = time.Now()
		z := zxcvbn.PasswordStrength(pw, nil)
		fmt.Printf("%-25s %v score=%d ztrust=%d %v %v\n", pw, r.Failed, r.Score, z.Score, el, time.Since(t1))
	}
}
