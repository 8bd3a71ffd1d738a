package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/net/html"

	"github.com/seuil-idp/seuil/idp/students"
)

// activation is the state the activation scenario's workers share: the
// students to activate, each once, and the sinks their codes come from.
type activation struct {
	base    string // the flows' public URL (the issuer's)
	records []students.Record
	next    atomic.Int64
	sms     *smsSink
	mail    *mailSink
	wait    time.Duration // how long a code may take to come
	hc      *http.Client  // shared transport; each journey has its own cookies
	// spread gives each journey a client address of its own, sent as
	// X-Forwarded-For (the server trusts the tool as its proxy), as
	// students come from many addresses; false: all from the tool's.
	spread bool
	// password is what every journey chooses (--password); "": a new
	// one each.
	password string
}

// errStudentsUsed: every student of --students went through already.
var errStudentsUsed = errors.New("students used up")

// loadStudents reads the APOGEE extraction file Seuil's source reads.
func loadStudents(ctx context.Context, path string) ([]students.Record, error) {
	var out []students.Record
	err := students.CSVFile{Path: path}.All(ctx, func(r students.Record) error {
		if r.Mobile != "" {
			out = append(out, r)
		}
		return nil
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("--students: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--students %s: no student with a mobile number", path)
	}
	return out, nil
}

// setupActivation gives each worker the whole journey as its step.
func setupActivation(_ context.Context, c *client) (step, string, error) {
	a := c.act
	if a == nil {
		return nil, "", errors.New("the activation scenario needs --students and --sms-sink")
	}
	note := fmt.Sprintf("one iteration: a whole activation (identify, the code from the SMS sink, verify, password, done) "+
		"of the next of %d students; SMS sink latency %s, mail sink latency %s", len(a.records), a.sms.latency, a.mail.latency)
	return a.journey, note, nil
}

// journey activates the next student, as a browser would: the four
// screens, each form posted with its hidden fields, the code read from
// the SMS. Each screen's time is recorded as a phase.
func (a *activation) journey(ctx context.Context) error {
	i := a.next.Add(1) - 1
	if int(i) >= len(a.records) {
		return errStudentsUsed
	}
	rec := a.records[i]
	jar, _ := cookiejar.New(nil)
	hc := *a.hc
	hc.Jar = jar
	if a.spread {
		hc.Transport = spreadAddress(hc.Transport, uint64(i))
	}
	t0 := time.Now()
	page, err := get(ctx, &hc, a.base+"/activation")
	if err != nil {
		return err
	}
	phase(ctx, "start", time.Since(t0))

	t0 = time.Now()
	page, err = page.post(ctx, &hc, url.Values{"student_id": {rec.StudentID}, "ine": {rec.INE}, "phone": {rec.Mobile}}, `name="code"`)
	if err != nil {
		return fmt.Errorf("identify: %w", err)
	}
	phase(ctx, "identify", time.Since(t0))

	t0 = time.Now()
	wctx, cancel := context.WithTimeout(ctx, a.wait)
	code, err := a.sms.code(wctx, rec.Mobile)
	cancel()
	if err != nil {
		return err
	}
	phase(ctx, "sms", time.Since(t0))

	t0 = time.Now()
	page, err = page.post(ctx, &hc, url.Values{"code": {code}}, `name="confirm"`)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	phase(ctx, "verify", time.Since(t0))

	t0 = time.Now()
	pw := a.password
	if pw == "" {
		pw = newPassword()
	}
	if _, err = page.post(ctx, &hc, url.Values{"password": {pw}, "confirm": {pw}}, rec.StudentID); err != nil {
		return fmt.Errorf("password: %w", err)
	}
	phase(ctx, "password", time.Since(t0))
	return nil
}

// newPassword is a password every rule takes: long, a digit, no word.
func newPassword() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "Qz-" + hex.EncodeToString(b) + "-Wx7"
}

// htmlPage is a fetched page and its first form posting somewhere.
type htmlPage struct {
	url    *url.URL
	body   string
	action *url.URL
	hidden url.Values
}

func get(ctx context.Context, hc *http.Client, u string) (*htmlPage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	return read(hc.Do(req))
}

// post sends the page's form with its hidden fields and fields, and
// checks that the answer (redirects followed) holds want: the next
// screen's mark.
func (p *htmlPage) post(ctx context.Context, hc *http.Client, fields url.Values, want string) (*htmlPage, error) {
	if p.action == nil {
		return nil, fmt.Errorf("%w: no form on %s", errProtocol, p.url)
	}
	form := url.Values{}
	for k, v := range p.hidden {
		form[k] = v
	}
	for k, v := range fields {
		form[k] = v
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.action.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", p.url.Scheme+"://"+p.url.Host)
	next, err := read(hc.Do(req))
	if err != nil {
		return nil, err
	}
	if !strings.Contains(next.body, want) {
		return nil, fmt.Errorf("%w: %s is not the next screen (no %s)", errProtocol, next.url.Path, want)
	}
	return next, nil
}

func read(resp *http.Response, err error) (*htmlPage, error) {
	if err != nil {
		return nil, transportError{err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, transportError{err}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, statusError{code: resp.StatusCode}
	}
	p := &htmlPage{url: resp.Request.URL, body: string(body), hidden: url.Values{}}
	p.parseForm()
	return p, nil
}

// parseForm finds the first form that posts, and its hidden inputs.
func (p *htmlPage) parseForm() {
	z := html.NewTokenizer(strings.NewReader(p.body))
	in := false
	for {
		switch z.Next() {
		case html.ErrorToken:
			return
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch {
			case tok.Data == "form" && !in && strings.EqualFold(attr(tok, "method"), "post"):
				if u, err := p.url.Parse(attr(tok, "action")); err == nil {
					p.action, in = u, true
				}
			case tok.Data == "input" && in && attr(tok, "type") == "hidden":
				p.hidden.Add(attr(tok, "name"), attr(tok, "value"))
			}
		case html.EndTagToken:
			if name, _ := z.TagName(); in && string(name) == "form" {
				return
			}
		}
	}
}

// spreadAddress gives iteration i its own client address: 10.0.0.0/8,
// a different /24 every 256, as students at home, on mobile networks and
// on campus.
func spreadAddress(rt http.RoundTripper, i uint64) http.RoundTripper {
	return forwardedFor{rt, fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)}
}

// forwardedFor sends every request with the journey's client address.
type forwardedFor struct {
	next http.RoundTripper
	addr string
}

func (f forwardedFor) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", f.addr)
	return f.next.RoundTrip(r)
}
