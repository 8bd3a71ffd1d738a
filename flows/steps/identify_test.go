package steps_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/seuil-idp/seuil/flows/steps"
)

var eightDigits = regexp.MustCompile(`^[0-9]{8}$`)

func TestParseIdentify(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, id, ine, phone string
		want                 steps.Identity
		errs                 string // "field:key" joined with spaces
	}{
		{"french mobile", "22012345", "123456789ab", "07 88 10 25 99",
			steps.Identity{"22012345", "123456789AB", "+33788102599"}, ""},
		{"international form", " 2201 2345 ", "1234-56789-AB", "+33 7 88 10 25 99",
			steps.Identity{"22012345", "123456789AB", "+33788102599"}, ""},
		{"00 prefix", "22012345", "123456789AB", "0033788102599",
			steps.Identity{"22012345", "123456789AB", "+33788102599"}, ""},
		{"belgian mobile", "22012345", "123456789AB", "+32 470 12 34 56",
			steps.Identity{"22012345", "123456789AB", "+32470123456"}, ""},
		{"all empty", "", "", "", steps.Identity{},
			"student_id:identify.student_id.required ine:identify.ine.required phone:identify.phone.required"},
		{"letters in number", "2201234A", "123456789AB", "0788102599", steps.Identity{},
			"student_id:identify.student_id.format"},
		{"unknown INE shape", "22012345", "ABCDEFGHIJK", "0788102599", steps.Identity{},
			"ine:identify.ine.format"},
		{"landline-like garbage", "22012345", "123456789AB", "12345", steps.Identity{},
			"phone:identify.phone.format"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, errs := steps.ParseIdentify(url.Values{"student_id": {c.id}, "ine": {c.ine}, "phone": {c.phone}},
				eightDigits, "FR")
			var keys []string
			for _, e := range errs {
				keys = append(keys, e.Field+":"+e.Key)
			}
			if strings.Join(keys, " ") != c.errs {
				t.Fatalf("errors %v, want %q", keys, c.errs)
			}
			if c.errs == "" && got != c.want {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

// FuzzIdentifyForm: any form yields either a normalised identity or field
// errors, never a panic, and accepted values are in their canonical form.
func FuzzIdentifyForm(f *testing.F) {
	f.Add("22012345", "123456789AB", "07 88 10 25 99")
	f.Add("", "", "")
	f.Add("2201\x002345", "é", "+999999999999999999999999")
	f.Fuzz(func(t *testing.T, id, ine, phone string) {
		got, errs := steps.ParseIdentify(url.Values{"student_id": {id}, "ine": {ine}, "phone": {phone}}, eightDigits, "FR")
		if len(errs) > 0 {
			return
		}
		if !eightDigits.MatchString(got.StudentID) || len(got.INE) != 11 || !strings.HasPrefix(got.Phone, "+") ||
			strings.ToUpper(got.INE) != got.INE {
			t.Fatalf("accepted non-canonical %+v", got)
		}
	})
}
