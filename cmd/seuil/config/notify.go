package config

import "time"

// Mail sends codes and confirmations: exactly one of SMTP or Outbox.
type Mail struct {
	SMTP *SMTP `yaml:"smtp"`
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
	// Outbox keeps messages in memory (demo only; see Config.DemoOnly).
	Outbox bool `yaml:"outbox"`
}

// SMSHTTP is a provider's HTTP API. URL, header values and Body are
// text/template templates over .To (E.164 number), .Text (the message),
// .Sender and .Token (the secret), so that an API key goes into a header
// or the body without being written in the file.
type SMSHTTP struct {
	URL         string            `yaml:"url"`
	Method      string            `yaml:"method"` // default POST
	Headers     map[string]string `yaml:"headers"`
	Body        string            `yaml:"body"`
	ContentType string            `yaml:"content_type"` // default application/json
	Token       Secret            `yaml:"token"`
	Sender      string            `yaml:"sender"` // sender name shown on the phone, e.g. "UNIV"
	Success     SMSSuccess        `yaml:"success"`
	Timeout     Duration          `yaml:"timeout"` // default 10s
}

// SMSSuccess says how to recognise an accepted message.
type SMSSuccess struct {
	Status   []int  `yaml:"status"`   // accepted statuses; default any 2xx
	Contains string `yaml:"contains"` // a substring the body must contain
}

func (s *SMSHTTP) setDefaults() {
	s.Method, s.ContentType = "POST", "application/json"
	s.Timeout = Duration(10 * time.Second)
}
