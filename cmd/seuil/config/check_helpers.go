package config

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
)

// required reports an empty value.
func (r *report) required(path, value string) bool {
	if strings.TrimSpace(value) == "" {
		r.add(path, "required")
		return false
	}
	return true
}

// oneOf reports a value outside its allowed set.
func (r *report) oneOf(path, value string, allowed ...string) {
	if !slices.Contains(allowed, value) {
		r.add(path, "%q is not one of %s", value, strings.Join(allowed, ", "))
	}
}

// between reports a duration outside [lo, hi].
func (r *report) between(path string, d, lo, hi time.Duration) {
	if d < lo || d > hi {
		r.add(path, "%s is out of range (%s to %s)", Duration(d), Duration(lo), Duration(hi))
	}
}

// intBetween reports an integer outside [lo, hi].
func (r *report) intBetween(path string, n, lo, hi int) {
	if n < lo || n > hi {
		r.add(path, "%d is out of range (%d to %d)", n, lo, hi)
	}
}

// exactlyOne reports a section that sets none or several of its choices.
func (r *report) exactlyOne(path string, set map[string]bool) {
	var on, all []string
	for _, k := range sortedKeys(set) {
		all = append(all, k)
		if set[k] {
			on = append(on, k)
		}
	}
	switch len(on) {
	case 1:
	case 0:
		r.add(path, "required: set one of %s", strings.Join(all, ", "))
	default:
		r.add(path, "set only one of %s (found %s)", strings.Join(all, ", "), strings.Join(on, " and "))
	}
}

// webURL checks an absolute https URL, allowing http on loopback only
// (a relying party or provider on a developer machine).
func (r *report) webURL(path, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		r.add(path, "%q must be an absolute https URL (http only for loopback)", s)
		return nil
	}
	if u.Scheme == "http" && !loopback(u.Hostname()) {
		r.add(path, "%q must be an absolute https URL (http only for loopback)", s)
		return nil
	}
	if u.Fragment != "" || strings.HasSuffix(s, "#") {
		r.add(path, "%q must not have a fragment (#…)", s)
		return nil
	}
	return u
}

// loopback reports whether host names this machine.
func loopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// hostPort checks "host:port" or ":port".
func (r *report) hostPort(path, s string) {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		r.add(path, "%q is not host:port (e.g. \":8080\", \"redis-0.redis:6379\")", s)
		return
	}
	if n, err := fmt.Sscan(port, new(uint16)); n != 1 || err != nil {
		r.add(path, "%q has no valid port", s)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
