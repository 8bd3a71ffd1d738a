package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// Prober is a sender that can tell, without sending anything, whether its
// server answers (the SMTP server's greeting, the SMS API's port).
type Prober interface {
	Probe(ctx context.Context) error
}

// Health follows one channel for readiness: the channel is down when its
// probe fails, or when its last sends all failed (failuresDown in a row,
// none succeeded since), which a probe cannot see (a revoked API key, a
// relay refusing our sender). A success brings it back at once.
type Health struct {
	Channel string
	probe   Prober // may be nil

	mu         sync.Mutex
	failures   int // sends failed in a row
	probed     time.Time
	probeErr   error
	probeEvery time.Duration
}

// failuresDown is how many sends in a row must fail for a channel to be down.
const failuresDown = 3

// NewHealth follows a channel; probe may be nil (the outbox, which is
// always up).
func NewHealth(channel string, probe Prober) *Health {
	return &Health{Channel: channel, probe: probe, probeEvery: 30 * time.Second}
}

func (h *Health) record(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err == nil {
		h.failures = 0
		return
	}
	h.failures++
}

// Check returns nil when the channel is up, else why it is down. The
// probe runs at most every 30 s, whatever the rate of readiness checks.
func (h *Health) Check(ctx context.Context) error {
	h.mu.Lock()
	failures := h.failures
	due := h.probe != nil && time.Since(h.probed) >= h.probeEvery
	probeErr := h.probeErr
	h.mu.Unlock()
	if due {
		probeErr = h.probe.Probe(ctx)
		h.mu.Lock()
		h.probed, h.probeErr = time.Now(), probeErr
		h.mu.Unlock()
	}
	switch {
	case probeErr != nil:
		return fmt.Errorf("%s: %w", h.Channel, probeErr)
	case failures >= failuresDown:
		return fmt.Errorf("%s: the last %d sends failed", h.Channel, failures)
	}
	return nil
}

// WatchSMS reports every send's outcome to h.
func WatchSMS(next SMSSender, h *Health) SMSSender { return watchedSMS{next, h} }

// WatchMail reports every send's outcome to h.
func WatchMail(next Mailer, h *Health) Mailer { return watchedMail{next, h} }

type watchedSMS struct {
	next SMSSender
	h    *Health
}

func (w watchedSMS) SendSMS(ctx context.Context, m SMS) error {
	err := w.next.SendSMS(ctx, m)
	w.h.record(err)
	return err
}

type watchedMail struct {
	next Mailer
	h    *Health
}

func (w watchedMail) SendMail(ctx context.Context, m Mail) error {
	err := w.next.SendMail(ctx, m)
	w.h.record(err)
	return err
}

// Probe implements Prober: the SMTP server greets us and the session
// opens (TLS and authentication as configured), then it is closed
// without sending anything.
func (s *SMTP) Probe(ctx context.Context) error {
	c, err := s.client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", s.host, err)
	}
	return s.client.CloseWithSMTPClient(c)
}

// Probe implements Prober: the SMS API's host accepts a connection. An
// HTTP request would need an endpoint every provider has; none does.
func (s *HTTPSMS) Probe(ctx context.Context) error {
	if s.probeAddr == "" {
		return errors.New("sms: no address to probe")
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", s.probeAddr)
	if err != nil {
		return fmt.Errorf("sms provider %s: %w", s.probeAddr, err)
	}
	return c.Close()
}
