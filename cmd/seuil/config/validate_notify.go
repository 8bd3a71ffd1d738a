package config

import (
	"errors"
	"io"
	"net/mail"
	"regexp"
	"strings"
	"text/template"
	"time"

	"github.com/seuil-idp/seuil/flows/notify"
)

func validateMail(m *Mail, r *report) {
	r.exactlyOne("mail", map[string]bool{"smtp": m.SMTP != nil, "outbox": m.Outbox})
	r.between("mail.wait", m.Wait.D(), 10*time.Millisecond, 30*time.Second)
	s := m.SMTP
	if s == nil {
		return
	}
	r.required("mail.smtp.host", s.Host)
	r.intBetween("mail.smtp.port", s.Port, 1, 65535)
	r.oneOf("mail.smtp.tls", s.TLS, "starttls", "opportunistic", "tls", "none")
	if r.required("mail.smtp.from", s.From) {
		if _, err := mail.ParseAddress(s.From); err != nil {
			r.add("mail.smtp.from", "%q is not an address (e.g. \"Université <ne-pas-repondre@univ.fr>\")", s.From)
		}
	}
	if s.Username != "" && !s.Password.IsSet() {
		r.add("mail.smtp.password", "required with username (or password_file, or %s)", s.Password.EnvName())
	}
	switch {
	case (s.TLS == "none" || s.TLS == "opportunistic") && s.Username != "" && !loopback(s.Host):
		r.add("mail.smtp.tls", "%s could send the password in clear to %s: use starttls or tls", s.TLS, s.Host)
	case s.TLS == "none" && !loopback(s.Host):
		// The mail carries a code that takes over the account.
		r.add("mail.smtp.tls", "none sends the activation codes in clear to %s: use opportunistic, starttls or tls (none is for a relay on this host)", s.Host)
	}
	r.between("mail.smtp.timeout", s.Timeout.D(), time.Second, 5*time.Minute)
}

func validateSMS(s *SMS, r *report) {
	r.between("sms.wait", s.Wait.D(), 10*time.Millisecond, 30*time.Second)
	if s.PricePerSMS < 0 || s.PricePerSMS > 10 {
		r.add("sms.price_per_sms", "%v is not a price of one SMS in euros (0 to 10)", s.PricePerSMS)
	}
	if err := s.GuardConfig.Validate(); err != nil {
		for _, e := range strings.Split(err.Error(), "\n") {
			key, msg, _ := strings.Cut(e, ": ")
			r.add("sms."+key, "%s", msg)
		}
	}
	r.exactlyOne("sms", map[string]bool{"http": s.HTTP != nil, "outbox": s.Outbox})
	h := s.HTTP
	if h == nil {
		return
	}
	if r.required("sms.http.url", h.URL) {
		r.webURL("sms.http.url", h.URL)
		r.template("sms.http.url", h.URL, h)
	}
	r.oneOf("sms.http.method", h.Method, "POST", "GET", "PUT")
	for _, k := range sortedKeys(h.Headers) {
		r.template("sms.http.headers."+k, h.Headers[k], h)
	}
	r.template("sms.http.body", h.Body, h)
	if h.Body != "" && h.ContentType == "" {
		r.add("sms.http.content_type", "required with a body (e.g. application/json)")
	}
	if !strings.Contains(h.Body, ".Body") && !strings.Contains(h.URL, ".Body") {
		r.add("sms.http.body", "neither the body nor the url sends the text ({{.Body}})")
	}
	validateSMSSuccess(&h.Success, r)
	r.between("sms.http.timeout", h.Timeout, time.Second, 2*time.Minute)
	if rp := h.Reports; rp != nil {
		if h.MessageID == "" {
			r.add("sms.http.reports", "needs sms.http.message_id: the reports name the message by the id the provider gave it")
		}
		if len(rp.Token.Value()) < 16 {
			r.add("sms.http.reports.token", "required, at least 16 characters (token_file, or %s)", rp.Token.EnvName())
		}
		r.required("sms.http.reports.id_field", rp.IDField)
		r.required("sms.http.reports.status_field", rp.StatusField)
		if len(rp.Delivered) == 0 {
			r.add("sms.http.reports.delivered", "required: the statuses that mean delivered to the phone")
		}
	}
}

func validateSMSSuccess(c *notify.SuccessCheck, r *report) {
	if c.StatusMin != 0 || c.StatusMax != 0 {
		r.intBetween("sms.http.success.status_min", c.StatusMin, 100, 599)
		r.intBetween("sms.http.success.status_max", c.StatusMax, c.StatusMin, 599)
	}
	if (c.JSONField == "") != (len(c.JSONValues) == 0) {
		r.add("sms.http.success.json_field", "json_field and json_values go together")
	}
}

// template checks that a URL, header or body template parses and runs on
// sample values, with the functions flows/notify gives it and the secrets
// that sms.http.secrets defines.
func (r *report) template(p, s string, h *SMSHTTP) {
	missing := ""
	funcs := template.FuncMap{
		"json":   func(s string) string { return s },
		"digits": func(s string) string { return strings.TrimPrefix(s, "+") },
		"secret": func(name string) (string, error) {
			if !h.Secrets[name].IsSet() {
				missing = name
				return "", errors.New("undefined secret")
			}
			return "", nil
		},
	}
	t, err := template.New("t").Funcs(funcs).Option("missingkey=error").Parse(s)
	if err != nil {
		r.add(p, "not a valid template: %s", templateErr.ReplaceAllString(err.Error(), ""))
		return
	}
	sample := struct{ To, Body string }{"+33612345678", "Votre code : 123456"}
	switch err := t.Execute(io.Discard, sample); {
	case err == nil:
	case missing != "":
		r.add(p, "uses {{secret %q}}, which is not set: give sms.http.secrets.%s_file, or %s", missing, missing, h.Secrets[missing].EnvName())
	default:
		r.add(p, "%q uses an unknown field or function (fields: .To, .Body; functions: json, urlquery, digits, secret)", s)
	}
}

var templateErr = regexp.MustCompile(`^template: t:\d+(:\d+)?: `)
