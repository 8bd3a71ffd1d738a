package flow_test

import (
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/seuil-idp/seuil/flows/flow"
	"github.com/seuil-idp/seuil/idp/students"
)

func TestDuration(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"15m", 15 * time.Minute, ""},
		{"90s", 90 * time.Second, ""},
		{"365d", 365 * 24 * time.Hour, ""},
		{"1h30m", 90 * time.Minute, ""},
		{"15 minuts", 0, `"15 minuts" is not a duration`},
		{"-5m", 0, `"-5m" is not a duration`},
		{"d", 0, `"d" is not a duration`},
	}
	for _, c := range cases {
		var d flow.Duration
		err := yaml.Unmarshal([]byte(c.in), &d)
		switch {
		case c.err != "" && (err == nil || err.Error() != c.err):
			t.Errorf("%q: error %v, want %q", c.in, err, c.err)
		case c.err == "" && (err != nil || d.D() != c.want):
			t.Errorf("%q: %v %v, want %v", c.in, d.D(), err, c.want)
		}
	}
}

func TestExpandLogin(t *testing.T) {
	t.Parallel()
	rec := students.Record{StudentID: "22012345", INE: "123456789AB"}
	for pattern, want := range map[string]string{"": "22012345T", "{student_id}T": "22012345T",
		"e{student_id}": "e22012345", "{ine}": "123456789ab"} {
		if got := flow.ExpandLogin(pattern, rec); got != want {
			t.Errorf("%q: %q, want %q", pattern, got, want)
		}
	}
	f := flow.Flow{Record: &rec, LoginPattern: "x{student_id}"}
	if f.AccountLogin() != "x22012345" {
		t.Fatal(f.AccountLogin())
	}
	f.Login = "kept"
	if f.AccountLogin() != "kept" {
		t.Fatal("a directory login must win over the pattern")
	}
}
