package config

import (
	"fmt"
	"regexp"
	"time"

	"github.com/seuil-idp/seuil/flows/notify"
)

// Mail sends codes and confirmations: exactly one of SMTP or Outbox.
type Mail struct {
	SMTP *SMTP `yaml:"smtp"`
	// Wait is how long a student's screen waits for the relay to take
	// a mail, counted from the student's request (the student source's
	// lookup and the SMS's send are part of it); past it, the mail is
	// sent in the background (kept in Redis, taken over by another
	// replica if this one dies) and the screen goes on. Default 250ms.
	Wait Duration `yaml:"wait"`
	// Outbox keeps messages in memory for the demo's outbox page; see
	// Config.DemoOnly.
	Outbox bool `yaml:"outbox"`
}

// SMTP is the outgoing mail relay (flows/notify.SMTPConfig).
type SMTP struct {
	Host     string `yaml:"host"`
	Port     int    `yaml:"port"` // default 587; 465 for tls, 25 for none
	Username string `yaml:"username"`
	Password Secret `yaml:"password"`
	From     string `yaml:"from"` // e.g. "Université <ne-pas-repondre@univ.fr>"
	// TLS is starttls (required), opportunistic (if offered), tls
	// (implicit, port 465) or none; default starttls.
	TLS     string   `yaml:"tls"`
	CAFile  string   `yaml:"ca_file" seuil:"path"` // empty: system roots
	Timeout Duration `yaml:"timeout"`              // default 15s
}

func (s *SMTP) setDefaults() {
	s.TLS, s.Timeout = "starttls", Duration(15*time.Second)
}

// SMS sends codes by text message: exactly one of HTTP or Outbox.
type SMS struct {
	HTTP *SMSHTTP `yaml:"http"`
	// Countries and DailyBudget are notify's own (see notify.GuardConfig).
	notify.GuardConfig `yaml:",inline"`
	// Outbox keeps messages in memory (demo only; see Config.DemoOnly).
	Outbox bool `yaml:"outbox"`
	// Wait is how long a student's screen waits for the provider to
	// take an SMS, counted from the student's request (the student
	// source's lookup is part of it); past it, the SMS is sent in the
	// background and the code screen says so, then follows it (sent at
	// 10:32, or not sent: use the e-mail). Default 250ms.
	Wait Duration `yaml:"wait"`
	// PricePerSMS is what one SMS costs (euros, the provider's price):
	// the console's campaign page estimates the period's cost; 0: no
	// estimate.
	PricePerSMS float64 `yaml:"price_per_sms"`
}

// SMSHTTP is a provider's HTTP API: notify's own HTTPSMSConfig (URL,
// method, headers, body, content type, success, timeout), whose URL,
// header values and Body are text/template templates over .To (E.164) and
// .Body (the text), with the functions json, urlquery, digits and secret:
// {{secret "api_key"}} is the value of Secrets["api_key"], so that
// credentials never sit in the file (give api_key_file: /run/secrets/…,
// or SEUIL_SMS_HTTP_SECRETS_API_KEY).
type SMSHTTP struct {
	notify.HTTPSMSConfig `yaml:",inline"`
	Secrets              map[string]Secret `yaml:"secrets"`
	// Reports accepts the provider's delivery reports at
	// <public_url>/notify/sms/reports; needs message_id.
	Reports *SMSReports `yaml:"reports"`
}

// SMSReports reads a provider's delivery reports (notify.ReportsConfig):
// what authenticates it, and how a report names the message and says
// what became of it.
type SMSReports struct {
	// Token is what the provider sends in Header (default X-Seuil-Token)
	// or as ?token= in the URL it is given: token_file, or
	// SEUIL_SMS_HTTP_REPORTS_TOKEN.
	Token       Secret   `yaml:"token"`
	Header      string   `yaml:"header"`
	IDField     string   `yaml:"id_field"`     // dotted path in JSON, or a form field
	StatusField string   `yaml:"status_field"` // the same for the status
	Delivered   []string `yaml:"delivered"`    // statuses meaning delivered to the phone
	Undelivered []string `yaml:"undelivered"`  // and meaning never delivered
}

func (s *SMSHTTP) setDefaults() {
	s.Method, s.Timeout = "POST", 10*time.Second
}

// Secret returns the secret name of sms.http.secrets; its signature is
// flows/notify.SecretFunc's, for the templates' {{secret "name"}}.
func (s *SMSHTTP) Secret(name string) (string, error) {
	v, ok := s.Secrets[name]
	if !ok || !v.IsSet() {
		return "", fmt.Errorf("sms.http.secrets.%s is not set (give %s_file, or SEUIL_SMS_HTTP_SECRETS_%s)", name, name, envPart(name))
	}
	return v.Value(), nil
}

var secretCall = regexp.MustCompile(`secret\s+"([^"]+)"`)

// declareSMSSecrets adds an entry to Secrets for each {{secret "name"}}
// the templates use, so that the environment variable alone can give it.
func declareSMSSecrets(h *SMSHTTP) {
	if h == nil {
		return
	}
	texts := []string{h.URL, h.Body}
	for _, v := range h.Headers {
		texts = append(texts, v)
	}
	for _, t := range texts {
		for _, m := range secretCall.FindAllStringSubmatch(t, -1) {
			if _, ok := h.Secrets[m[1]]; !ok {
				if h.Secrets == nil {
					h.Secrets = map[string]Secret{}
				}
				h.Secrets[m[1]] = Secret{}
			}
		}
	}
}
