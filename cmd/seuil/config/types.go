package config

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration written in Go syntax ("90s", "15m",
// "1h30m") or with days ("7d", "1d12h"), since token and session lifetimes
// are naturally counted in days and Go's syntax has no unit for them.
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats the duration the way it would be written in the file.
func (d Duration) String() string {
	t := time.Duration(d)
	if t > 0 && t%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(t/(24*time.Hour)), 10) + "d"
	}
	s := t.String()
	// time.Duration prints "15m0s"; trim the zero tails for readability.
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// ParseDuration parses Go duration syntax with an optional leading day
// count: "7d", "1d12h", "36h", "15m".
func ParseDuration(s string) (Duration, error) {
	in := strings.TrimSpace(s)
	var days int64
	if i := strings.IndexByte(in, 'd'); i > 0 {
		n, err := strconv.ParseInt(in[:i], 10, 32)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%q is not a duration", s)
		}
		days, in = n, in[i+1:]
	}
	var rest time.Duration
	if in != "" {
		var err error
		if rest, err = time.ParseDuration(in); err != nil {
			return 0, fmt.Errorf("%q is not a duration", s)
		}
		if days > 0 && rest < 0 {
			return 0, fmt.Errorf("%q is not a duration", s)
		}
	} else if days == 0 {
		return 0, fmt.Errorf("%q is not a duration", s)
	}
	return Duration(time.Duration(days)*24*time.Hour + rest), nil
}

// Secret is a string that must never be printed: a password, a client
// secret, a DSN with credentials, an API token. It is given in the file
// (discouraged), in a file named by the sibling key "<name>_file"
// (a mounted Kubernetes Secret), or by the environment variable
// SEUIL_<KEY PATH> (see EnvName), which wins over both.
type Secret struct {
	value  string
	file   string // the <name>_file path, resolved against the config dir
	source string // "config file", "env SEUIL_…", "file <path>"
	env    string // the environment variable that would override it
}

// EnvName is the environment variable that sets this secret, e.g.
// SEUIL_REDIS_PASSWORD (known once loaded).
func (s Secret) EnvName() string { return s.env }

// NewSecret wraps a value, for wiring and tests.
func NewSecret(v string) Secret { return Secret{value: v, source: "value"} }

// Value returns the secret itself: call it only where it is used.
func (s Secret) Value() string { return s.value }

// IsSet reports whether a non-empty value was given.
func (s Secret) IsSet() bool { return s.value != "" }

// Source says where the value came from ("config file", "file
// /run/secrets/x", "env SEUIL_REDIS_PASSWORD"), or "" when unset.
func (s Secret) Source() string {
	if !s.IsSet() {
		return ""
	}
	return s.source
}

// String never shows the value, so that %v and %s on a config are safe.
func (s Secret) String() string {
	if s.IsSet() {
		return "set"
	}
	return "unset"
}

// GoString keeps %#v from printing the value either.
func (s Secret) GoString() string { return "config.Secret(" + s.String() + ")" }

// MarshalText keeps encoders (JSON, YAML) from printing the value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// LogValue keeps slog from printing the value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }
