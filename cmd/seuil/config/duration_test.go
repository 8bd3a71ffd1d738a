package config

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"15m", 15 * time.Minute, true},
		{"1h30m", 90 * time.Minute, true},
		{"7d", 7 * 24 * time.Hour, true},
		{"1d12h", 36 * time.Hour, true},
		{" 90s ", 90 * time.Second, true},
		{"15 minuts", 0, false},
		{"d", 0, false},
		{"5", 0, false},
		{"", 0, false},
		{"-1d", 0, false},
		{"1d-5h", 0, false},
		{"1.5d", 0, false},
	} {
		got, err := ParseDuration(tc.in)
		if (err == nil) != tc.ok || got.D() != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v", tc.in, got.D(), err)
		}
	}
}

func TestDurationString(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		15 * time.Minute: "15m", 10 * time.Hour: "10h", 48 * time.Hour: "2d", 90 * time.Second: "1m30s", 0: "0s",
	} {
		if got := Duration(d).String(); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}
