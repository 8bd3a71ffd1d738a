package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"text/template"
	"time"
)

// HTTPSMSConfig describes one HTTP SMS provider's API. URL, header values
// and Body are text/templates over {{.To}} (E.164) and {{.Body}}, with
// these functions:
//
//	json "s"      s as a JSON string literal, quotes included
//	urlquery "s"  s escaped for a URL query (text/template's own)
//	digits "s"    s without "+" ("+33612345678" → "33612345678")
//	secret "NAME" the secret NAME, from the resolver given to NewHTTPSMS
//
// testdata/sms-providers.yaml has working shapes for OVHcloud (http2sms),
// Brevo and SMSFactor.
type HTTPSMSConfig struct {
	URL string `yaml:"url"`
	// Method defaults to POST.
	Method  string            `yaml:"method"`
	Headers map[string]string `yaml:"headers"`
	Body    string            `yaml:"body"`
	// ContentType is required when Body is set.
	ContentType string       `yaml:"content_type"`
	Success     SuccessCheck `yaml:"success"`
	// Timeout bounds the whole request; default 10s.
	Timeout time.Duration `yaml:"timeout"`
	// MessageID is the dotted path, in the provider's answer, of the id
	// it gave the message ("messageId", "ids.0"): what its delivery
	// reports name (see Reports). Empty: none kept.
	MessageID string `yaml:"message_id"`
}

// SecretFunc returns a secret by name (an environment variable, a file
// mounted from a Kubernetes secret...).
type SecretFunc func(name string) (string, error)

// HTTPSMS sends SMS through an HTTP API.
type HTTPSMS struct {
	method, contentType string
	messageID           string
	url, body           *template.Template
	headers             map[string]*template.Template
	success             SuccessCheck
	client              *http.Client
	probeAddr           string // host:port of the API, for Probe
}

// NewHTTPSMS checks cfg, renders it once with sample data (so that a typo
// or a missing secret fails at start, not at a student's first SMS) and
// returns the sender.
func NewHTTPSMS(cfg HTTPSMSConfig, secrets SecretFunc) (*HTTPSMS, error) {
	s := &HTTPSMS{method: strings.ToUpper(cfg.Method), contentType: cfg.ContentType, success: cfg.Success.withDefaults(), messageID: cfg.MessageID}
	if s.method == "" {
		s.method = http.MethodPost
	}
	funcs := templateFuncs(secrets)
	var errs []error
	parse := func(name, text string) *template.Template {
		t, err := template.New(name).Funcs(funcs).Option("missingkey=error").Parse(text)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
		return t
	}
	if cfg.URL == "" {
		errs = append(errs, errors.New("url: required"))
	}
	s.url, s.body = parse("url", cfg.URL), parse("body", cfg.Body)
	s.headers = make(map[string]*template.Template, len(cfg.Headers))
	for k, v := range cfg.Headers {
		s.headers[k] = parse("headers."+k, v)
	}
	if cfg.Body != "" && cfg.ContentType == "" {
		errs = append(errs, errors.New("content_type: required with a body"))
	}
	errs = append(errs, s.success.validate())
	if cfg.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout: %s: must be positive", cfg.Timeout))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	sample, err := s.request(context.Background(), SMS{To: "+33600000000", Body: "test"})
	if err != nil {
		return nil, err
	}
	s.probeAddr = sample.URL.Host
	if sample.URL.Port() == "" {
		port := "443"
		if sample.URL.Scheme == "http" {
			port = "80"
		}
		s.probeAddr = net.JoinHostPort(sample.URL.Hostname(), port)
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	s.client = &http.Client{Timeout: timeout, CheckRedirect: sameHost}
	return s, nil
}

// sameHost follows a redirect only to the host (and port) first asked,
// never from https to http: the request carries the API key in headers Go
// does not strip on a redirect elsewhere (only Authorization and Cookie
// are), and, on 307/308, the body with the code.
func sameHost(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	if req.URL.Host != first.Host || (first.Scheme == "https" && req.URL.Scheme != "https") {
		return errors.New("redirect to another host refused")
	}
	if len(via) >= 5 {
		return errors.New("too many redirects")
	}
	return nil
}

// SendSMS sends m. An error never quotes the request or response body:
// both may hold the code.
func (s *HTTPSMS) SendSMS(ctx context.Context, m SMS) error {
	req, err := s.request(ctx, m)
	if err != nil {
		return err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("notify: sms provider %s: %w", req.URL.Host, redactURL(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("notify: sms provider %s: read answer: %w", req.URL.Host, err)
	}
	if err := s.success.check(resp.StatusCode, body); err != nil {
		return fmt.Errorf("notify: sms provider %s: %w", req.URL.Host, err)
	}
	if s.messageID != "" {
		if id, err := jsonField(body, s.messageID); err == nil && id != "" {
			tell(ctx, idKey{}, id)
		}
	}
	return nil
}

func (s *HTTPSMS) request(ctx context.Context, m SMS) (*http.Request, error) {
	data := struct{ To, Body string }{m.To, m.Body}
	u, err := render(s.url, data)
	if err != nil {
		return nil, err
	}
	if pu, err := url.Parse(u); err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" {
		return nil, fmt.Errorf("url: not an http(s) URL")
	}
	body, err := render(s.body, data)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, s.method, u, strings.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("notify: sms request: %w", redactURL(err))
	}
	if body != "" {
		req.Header.Set("Content-Type", s.contentType)
	}
	for k, t := range s.headers {
		v, err := render(t, data)
		if err != nil {
			return nil, err
		}
		req.Header.Set(k, v)
	}
	return req, nil
}

func render(t *template.Template, data any) (string, error) {
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		// The error names the template and action, never the data.
		return "", fmt.Errorf("notify: sms template %s: %w", t.Name(), err)
	}
	return b.String(), nil
}

// redactURL drops the URL from a transport error: a query-string API
// (OVHcloud http2sms, SMSFactor GET) puts the message and the token there.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
