package config

import (
	"net/url"
	"reflect"
	"strings"

	"github.com/seuil-idp/seuil/idp/regulation"
)

// finish fills the defaults that depend on other keys.
func finish(c *Config, r *report) {
	if u, err := url.Parse(c.Server.PublicURL); err == nil && !r.has("server.cookie_secure") {
		c.Server.CookieSecure = u.Scheme == "https"
	}
	if c.OIDC.Issuer == "" {
		c.OIDC.Issuer = strings.TrimSuffix(c.Server.PublicURL, "/")
	}
	if s := c.Mail.SMTP; s != nil && s.Port == 0 {
		s.Port = map[string]int{"tls": 465, "none": 25}[s.TLS]
		if s.Port == 0 {
			s.Port = 587
		}
	}
	for i := range c.OIDC.Clients {
		cl := &c.OIDC.Clients[i]
		if cl.TokenEndpointAuthMethod == "" {
			cl.TokenEndpointAuthMethod = "client_secret_basic"
			if cl.Public {
				cl.TokenEndpointAuthMethod = "none"
			}
		}
		if cl.Theme == "" {
			cl.Theme = c.Flows.Theme
		}
	}
	finishLimits(&c.Limits, r)
}

// finishLimits makes a rule whose rate is set without a burst burst to its
// rate, rather than keep the default rule's burst.
func finishLimits(l *Limits, r *report) {
	names, rules := l.rules()
	for i, rule := range rules {
		p := "limits." + names[i]
		if r.has(p+".rate") && !r.has(p+".burst") {
			rule.Burst = rule.Rate
		}
	}
}

// rules lists the limits with their key names, for validation and summary.
func (l *Limits) rules() (names []string, rules []*regulation.Limit) {
	v := reflect.ValueOf(l).Elem()
	for i := 0; i < v.NumField(); i++ {
		names = append(names, v.Type().Field(i).Tag.Get("yaml"))
		rules = append(rules, v.Field(i).Addr().Interface().(*regulation.Limit))
	}
	return names, rules
}
