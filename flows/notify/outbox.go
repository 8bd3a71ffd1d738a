package notify

import (
	"context"
	"sync"
	"time"
)

// Channels of a Message.
const (
	ChannelSMS  = "sms"
	ChannelMail = "mail"
)

// Message is one message kept by an Outbox.
type Message struct {
	Channel string    `json:"channel"`
	To      string    `json:"recipient"`
	Subject string    `json:"subject,omitempty"`
	Body    string    `json:"body"`
	Code    string    `json:"code,omitempty"`
	Time    time.Time `json:"time"`
}

// DefaultOutboxSize is how many messages NewOutbox(0) keeps.
const DefaultOutboxSize = 200

// Outbox is a sender that delivers nothing: it keeps the last messages in
// memory (a bounded ring), for the demo, where no SMS provider or mail
// server exists, and for tests. It implements SMSSender and Mailer. Its
// Handler shows the messages, codes included: never expose it outside a
// demo.
type Outbox struct {
	mu   sync.Mutex
	ring []Message
	next int // index of the slot the next message takes
	full bool
	now  func() time.Time
}

// NewOutbox returns an Outbox keeping the last size messages
// (DefaultOutboxSize if size ≤ 0).
func NewOutbox(size int) *Outbox {
	if size <= 0 {
		size = DefaultOutboxSize
	}
	return &Outbox{ring: make([]Message, size), now: time.Now}
}

// SendSMS keeps m.
func (o *Outbox) SendSMS(ctx context.Context, m SMS) error {
	o.add(Message{Channel: ChannelSMS, To: m.To, Body: m.Body, Code: m.Code})
	return ctx.Err()
}

// SendMail keeps m (its text part; the HTML part is dropped).
func (o *Outbox) SendMail(ctx context.Context, m Mail) error {
	o.add(Message{Channel: ChannelMail, To: m.To, Subject: m.Subject, Body: m.Text, Code: m.Code})
	return ctx.Err()
}

func (o *Outbox) add(m Message) {
	o.mu.Lock()
	defer o.mu.Unlock()
	m.Time = o.now()
	o.ring[o.next] = m
	o.next = (o.next + 1) % len(o.ring)
	if o.next == 0 {
		o.full = true
	}
}

// Messages returns the kept messages, newest first.
func (o *Outbox) Messages() []Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := o.next
	if o.full {
		n = len(o.ring)
	}
	out := make([]Message, 0, n)
	for i := 1; i <= n; i++ {
		out = append(out, o.ring[(o.next-i+len(o.ring))%len(o.ring)])
	}
	return out
}

// LastCode returns the code of the newest message to recipient that
// carried one, for end-to-end tests of the flows.
func (o *Outbox) LastCode(recipient string) (string, bool) {
	for _, m := range o.Messages() {
		if m.To == recipient && m.Code != "" {
			return m.Code, true
		}
	}
	return "", false
}
