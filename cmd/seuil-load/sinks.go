package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// The activation scenario's sinks stand in for the SMS provider and the
// mail relay that `seuil serve` is configured to use: each takes a
// message after a latency of its own (a slow provider, a slow relay), and
// the SMS sink hands the code to the worker waiting for that phone, as
// the student reads it.

// smsSink is an SMS provider's HTTP API: POST a JSON {"to", "text"} (the
// configuration's sms.http body: {"to":{{.To | json}},"text":{{.Body |
// json}}}), answered 200 {"status":"sent"} after latency.
type smsSink struct {
	latency time.Duration
	mu      sync.Mutex
	waiting map[string]chan string // E.164 → the worker's
	early   map[string]string      // codes that came before their worker waited
	srv     *http.Server
	addr    string
}

// codeRE finds the code in the SMS text (6 to 8 digits).
var codeRE = regexp.MustCompile(`\b[0-9]{6,8}\b`)

func startSMSSink(addr string, latency time.Duration) (*smsSink, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--sms-sink: %w", err)
	}
	s := &smsSink{latency: latency, waiting: map[string]chan string{}, early: map[string]string{}, addr: l.Addr().String()}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.srv.Serve(l) }()
	return s, nil
}

func (s *smsSink) serve(w http.ResponseWriter, r *http.Request) {
	var m struct{ To, Text string }
	if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&m); err != nil || m.To == "" {
		http.Error(w, `{"status":"bad request"}`, http.StatusBadRequest)
		return
	}
	select {
	case <-time.After(s.latency):
	case <-r.Context().Done():
		return
	}
	if code := codeRE.FindString(m.Text); code != "" {
		s.deliver(m.To, code)
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"status":"sent"}`)
}

func (s *smsSink) deliver(to, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch, ok := s.waiting[to]; ok {
		delete(s.waiting, to)
		ch <- code
		return
	}
	s.early[to] = code
}

// code waits for the next code sent to phone.
func (s *smsSink) code(ctx context.Context, phone string) (string, error) {
	s.mu.Lock()
	if c, ok := s.early[phone]; ok {
		delete(s.early, phone)
		s.mu.Unlock()
		return c, nil
	}
	ch := make(chan string, 1)
	s.waiting[phone] = ch
	s.mu.Unlock()
	select {
	case c := <-ch:
		return c, nil
	case <-ctx.Done():
		s.mu.Lock()
		delete(s.waiting, phone)
		s.mu.Unlock()
		return "", fmt.Errorf("%w: no SMS to %s", errNoCode, phone)
	}
}

var errNoCode = errors.New("no code")

func (s *smsSink) close() { _ = s.srv.Close() }

// mailSink is a plain SMTP server (loopback, no TLS, no AUTH: the
// configuration's mail.smtp with tls: none) that takes every message,
// answering the end of DATA after latency, and keeps nothing.
type mailSink struct {
	latency time.Duration
	l       net.Listener
	addr    string
}

func startMailSink(addr string, latency time.Duration) (*mailSink, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--mail-sink: %w", err)
	}
	m := &mailSink{latency: latency, l: l, addr: l.Addr().String()}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go m.session(c)
		}
	}()
	return m, nil
}

// session speaks just enough SMTP for a client that sends mail: the
// greeting, EHLO/HELO, MAIL, RCPT, DATA up to the lone dot, RSET, NOOP,
// QUIT.
func (m *mailSink) session(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Minute))
	r := bufio.NewReader(c)
	say := func(s string) bool { _, err := io.WriteString(c, s+"\r\n"); return err == nil }
	if !say("220 seuil-load mail sink") {
		return
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.TrimSpace(line))
		if len(verb) > 4 {
			verb = verb[:4]
		}
		switch verb {
		case "EHLO":
			say("250-seuil-load\r\n250 8BITMIME")
		case "HELO", "MAIL", "RCPT", "RSET", "NOOP":
			say("250 ok")
		case "DATA":
			say("354 go on")
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" || l == ".\n" {
					break
				}
			}
			time.Sleep(m.latency)
			say("250 taken")
		case "QUIT":
			say("221 bye")
			return
		default:
			say("502 not here")
		}
	}
}
