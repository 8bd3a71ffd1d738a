package regulation_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/seuil-idp/seuil/idp/regulation"
	"github.com/seuil-idp/seuil/idp/state/redistest"
)

func TestDefaultsValid(t *testing.T) {
	d := regulation.Defaults()
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, rule := range regulation.AllRules {
		if _, ok := d[rule]; !ok {
			t.Errorf("no default for %s", rule)
		}
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name  string
		rules regulation.Rules
		want  []string // substrings of the error; none means valid
	}{
		{"empty", nil, nil},
		{"zero rate", regulation.Rules{regulation.LoginPerIP: {Rate: 0, Per: time.Hour, Burst: 1}},
			[]string{"login_per_ip.rate: 0: must be a positive integer"}},
		{"negative per and burst", regulation.Rules{regulation.CodeSendPerPhone: {Rate: 1, Per: -time.Second, Burst: -1}},
			[]string{"code_send_per_phone.per: -1s", "code_send_per_phone.burst: -1"}},
		{"unknown", regulation.Rules{"code_send_per_pigeon": {Rate: 1, Per: time.Hour, Burst: 1}},
			[]string{"code_send_per_pigeon: unknown rule"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.rules.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate = nil, want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestWithDefaults(t *testing.T) {
	got := regulation.Rules{regulation.LoginPerIP: {Rate: 7, Per: time.Minute}}.WithDefaults()
	if l := got[regulation.LoginPerIP]; l != (regulation.Limit{Rate: 7, Per: time.Minute, Burst: 7}) {
		t.Errorf("LoginPerIP = %+v; want burst defaulting to rate", l)
	}
	if got[regulation.LoginPerAccount] != regulation.Defaults()[regulation.LoginPerAccount] {
		t.Errorf("a rule left out did not take its default")
	}
}

// TestYAML checks the configuration shape: rule names as keys, durations
// as Go duration strings.
func TestYAML(t *testing.T) {
	var rules regulation.Rules
	src := "code_send_per_phone: {rate: 4, per: 24h, burst: 2}\nlogin_per_ip: {rate: 100, per: 1h}\n"
	if err := yaml.Unmarshal([]byte(src), &rules); err != nil {
		t.Fatal(err)
	}
	want := regulation.Limit{Rate: 4, Per: 24 * time.Hour, Burst: 2}
	if rules[regulation.CodeSendPerPhone] != want {
		t.Fatalf("decoded %+v, want %+v", rules[regulation.CodeSendPerPhone], want)
	}
	if err := rules.WithDefaults().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestNewRefuses(t *testing.T) {
	rdb := redistest.Client(t)
	if _, err := regulation.New(rdb, "p:", nil, []byte("short")); err == nil {
		t.Error("New accepted a 5-byte secret")
	}
	bad := regulation.Rules{regulation.LoginPerIP: {Rate: -1, Per: time.Hour, Burst: 1}}
	if _, err := regulation.New(rdb, "p:", bad, secret); err == nil || !strings.Contains(err.Error(), "login_per_ip.rate") {
		t.Errorf("New with a bad rule = %v", err)
	}
}

func TestIPKey(t *testing.T) {
	cases := []struct{ in, want string }{
		{"192.0.2.7", "192.0.2.7"},
		{"::ffff:192.0.2.7", "192.0.2.7"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"},
		{"fe80::1%eth0", "fe80::/64"},
		{"not an ip", "not an ip"},
	}
	for _, tc := range cases {
		if got := regulation.IPKey(tc.in); got != tc.want {
			t.Errorf("IPKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestAll(t *testing.T) {
	t.Parallel()
	r := newRegulator(t, redistest.Client(t), regulation.Rules{
		regulation.IdentifyPerIP:      {Rate: 2, Per: time.Hour, Burst: 2},
		regulation.IdentifyPerStudent: {Rate: 1, Per: time.Minute, Burst: 1},
	})
	ctx := t.Context()
	targets := []regulation.Target{
		{Rule: regulation.IdentifyPerIP, Key: "192.0.2.7"},
		{Rule: regulation.IdentifyPerStudent, Key: "22012345"},
	}
	if err := r.HitAll(ctx, targets...); err != nil {
		t.Fatalf("first HitAll = %v", err)
	}
	// The student is now limited (1 a minute), the IP is not (2 an hour).
	err := r.CheckAll(ctx, targets...)
	var lim *regulation.LimitedError
	if !errors.As(err, &lim) || lim.Rule != regulation.IdentifyPerStudent {
		t.Fatalf("CheckAll = %v; want limited by the student rule", err)
	}
	// HitAll still counts against the IP although the student is limited.
	if err := r.HitAll(ctx, targets...); !errors.As(err, &lim) {
		t.Fatalf("second HitAll = %v, want limited", err)
	}
	err = r.CheckAll(ctx, targets...)
	if !errors.As(err, &lim) || lim.Rule != regulation.IdentifyPerIP || lim.RetryAfter < 29*time.Minute {
		t.Fatalf("CheckAll = %v; want the longest wait (the IP's, ~30m)", err)
	}
}
