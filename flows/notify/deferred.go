package notify

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrDeferred means the provider had not answered when the caller's
// wait ran out: the message is kept in Redis and its send goes on; see
// DeferredError for which one.
var ErrDeferred = errors.New("notify: still sending")

// DeferredError names the message still being sent, for Delivery.
type DeferredError struct{ ID string }

func (e *DeferredError) Error() string { return ErrDeferred.Error() }
func (e *DeferredError) Unwrap() error { return ErrDeferred }

// Delivery is what became of a deferred message.
type Delivery struct {
	State string    `json:"state"` // sending, sent or failed
	At    time.Time `json:"at,omitzero"`
}

// The states of a Delivery.
const (
	Sending = "sending"
	Sent    = "sent"
	Failed  = "failed"
)

// DeferredConfig bounds Deferred.
type DeferredConfig struct {
	// Wait is how long a caller waits for the SMS provider before it
	// hears ErrDeferred (the student's screen then says the message is
	// on its way), and MailWait for the mail relay; default 250 ms each.
	Wait, MailWait time.Duration
	// Lease is how long a send may take before another replica takes it
	// for lost (its process gone) and sends it again; longer than the
	// provider's timeout. Default 1 min.
	Lease time.Duration
	// InFlight bounds the sends under way at once in this process;
	// default 256.
	InFlight int
	// Key (32 bytes) seals the messages kept in Redis: they carry codes.
	Key []byte
	// Prefix starts every Redis key (the state store's).
	Prefix string
}

// Deferred sends each message without holding its caller longer than
// Wait. The message is first written to Redis, sealed, with a lease;
// then it is sent at once. When the provider answers within Wait, the
// caller hears its answer, as if Deferred were not there. Otherwise the
// caller hears ErrDeferred while the send goes on, and its outcome is
// kept for Delivery. Should the process die mid-send, the lease runs
// out and Run, on any replica, sends the message again: at least once,
// never lost.
type Deferred struct {
	reported atomic.Bool // delivery reports come (NewReports)
	rdb      redis.UniversalClient
	cfg      DeferredConfig
	aead     cipher.AEAD
	sms      SMSSender
	mail     Mailer
	sem      chan struct{}
	log      *slog.Logger
	wg       sync.WaitGroup
	now      func() time.Time
}

// NewDeferred wraps sms and mail (the senders that talk to the
// providers, with their logging and metrics).
func NewDeferred(rdb redis.UniversalClient, cfg DeferredConfig, sms SMSSender, mail Mailer, log *slog.Logger) (*Deferred, error) {
	if cfg.Wait <= 0 {
		cfg.Wait = 250 * time.Millisecond
	}
	if cfg.MailWait <= 0 {
		cfg.MailWait = 250 * time.Millisecond
	}
	if cfg.Lease <= 0 {
		cfg.Lease = time.Minute
	}
	if cfg.InFlight <= 0 {
		cfg.InFlight = 256
	}
	block, err := aes.NewCipher(cfg.Key)
	if err != nil || len(cfg.Key) != 32 {
		return nil, fmt.Errorf("notify: deferred: a 32-byte key is required")
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	return &Deferred{rdb: rdb, cfg: cfg, aead: aead, sms: sms, mail: mail, sem: make(chan struct{}, cfg.InFlight), log: log, now: time.Now}, nil
}

// SMS is the deferred SMS sender.
func (d *Deferred) SMS() SMSSender { return deferredSMS{d} }

// Mail is the deferred mailer.
func (d *Deferred) Mail() Mailer { return deferredMail{d} }

type deferredSMS struct{ d *Deferred }

func (s deferredSMS) SendSMS(ctx context.Context, m SMS) error {
	return s.d.send(ctx, job{Channel: ChannelSMS, SMS: &m})
}

type deferredMail struct{ d *Deferred }

func (s deferredMail) SendMail(ctx context.Context, m Mail) error {
	return s.d.send(ctx, job{Channel: ChannelMail, Mail: &m})
}

// job is a kept message.
type job struct {
	Channel string `json:"channel"`
	SMS     *SMS   `json:"sms,omitempty"`
	Mail    *Mail  `json:"mail,omitempty"`
}

// keep is how long a message and its outcome stay in Redis at most: past
// it, a code has long expired.
const keep = time.Hour

func (d *Deferred) jobKey(id string) string      { return d.cfg.Prefix + "send:" + id }
func (d *Deferred) deliveryKey(id string) string { return d.cfg.Prefix + "delivery:" + id }
func (d *Deferred) pendingKey() string           { return d.cfg.Prefix + "sends:pending" }

func (d *Deferred) send(ctx context.Context, j job) error {
	raw, err := json.Marshal(j)
	if err != nil {
		return fmt.Errorf("notify: deferred: %w", err)
	}
	idb := make([]byte, 16)
	_, _ = rand.Read(idb)
	id := hex.EncodeToString(idb)
	nonce := make([]byte, d.aead.NonceSize())
	_, _ = rand.Read(nonce)
	sealed := d.aead.Seal(nonce, nonce, raw, []byte(id))
	bg := context.WithoutCancel(ctx)
	tell(ctx, trackKey{}, id)
	started := d.start()
	due := d.now()
	if started {
		due = due.Add(d.cfg.Lease)
	}
	// One round trip: the message, its lease, its state. A message that
	// cannot start now (too many in flight) is due at once, for Run.
	p := d.rdb.Pipeline()
	p.Set(bg, d.jobKey(id), sealed, keep)
	p.ZAdd(bg, d.pendingKey(), redis.Z{Score: float64(due.UnixMilli()), Member: id})
	p.Set(bg, d.deliveryKey(id), mustJSON(Delivery{State: Sending}), keep)
	if _, err := p.Exec(bg); err != nil {
		if started {
			<-d.sem
		}
		return fmt.Errorf("notify: deferred: keep the message: %w", err)
	}
	if !started {
		return &DeferredError{ID: id}
	}
	done := make(chan error, 1)
	d.wg.Go(func() {
		defer func() { <-d.sem }()
		done <- d.deliver(bg, id, j)
	})
	patience := d.cfg.Wait
	if j.Channel == ChannelMail {
		patience = d.cfg.MailWait
	}
	if t, ok := ctx.Value(screenKey{}).(time.Time); ok {
		patience -= d.now().Sub(t)
	}
	if patience <= 0 {
		return &DeferredError{ID: id} // the screen has waited long enough
	}
	wait := time.NewTimer(patience)
	defer wait.Stop()
	select {
	case err := <-done:
		return err
	case <-wait.C:
		return &DeferredError{ID: id}
	case <-ctx.Done():
		return &DeferredError{ID: id}
	}
}

type screenKey struct{}

// ForScreen returns ctx for the sends of a student's screen whose
// request came at t: each waits for its provider until its Wait has
// passed since t, not since it began, so that neither a slow student
// source nor the SMS sent before the mail lengthens the screen.
func ForScreen(ctx context.Context, t time.Time) context.Context {
	return context.WithValue(ctx, screenKey{}, t)
}

// start takes a place among the sends in flight, if one is free.
func (d *Deferred) start() bool {
	select {
	case d.sem <- struct{}{}:
		return true
	default:
		return false
	}
}

// deliver sends j, then forgets it and records how it went.
func (d *Deferred) deliver(ctx context.Context, id string, j job) error {
	var err error
	switch j.Channel {
	case ChannelSMS:
		err = d.sms.SendSMS(d.withReference(ctx, id), *j.SMS)
	case ChannelMail:
		err = d.mail.SendMail(ctx, *j.Mail)
	default:
		err = fmt.Errorf("notify: deferred: unknown channel %q", j.Channel)
	}
	st := Delivery{State: Sent, At: d.now()}
	if err != nil {
		st.State = Failed
	}
	p := d.rdb.Pipeline()
	p.Del(ctx, d.jobKey(id))
	p.ZRem(ctx, d.pendingKey(), id)
	// A delivery report may have come before the provider's answer was
	// read: it says more than "sent", and stays.
	outcomeScript.Eval(ctx, p, []string{d.deliveryKey(id)}, mustJSON(st), int(keep/time.Second))
	if _, perr := p.Exec(ctx); perr != nil {
		d.log.WarnContext(ctx, "deferred send: outcome not kept", "channel", j.Channel, "err", perr)
	}
	return err
}

// Reported says whether the SMS provider posts delivery reports here.
func (d *Deferred) Reported() bool { return d.reported.Load() }

// Delivery says what became of the message id (ErrNotKept when Redis
// has no trace of it: never deferred, or older than an hour).
func (d *Deferred) Delivery(ctx context.Context, id string) (Delivery, error) {
	raw, err := d.rdb.Get(ctx, d.deliveryKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return Delivery{}, ErrNotKept
	}
	if err != nil {
		return Delivery{}, err
	}
	var st Delivery
	if err := json.Unmarshal(raw, &st); err != nil {
		return Delivery{}, err
	}
	return st, nil
}

// ErrNotKept: Redis holds no trace of the message.
var ErrNotKept = errors.New("notify: no such message")

// outcomeScript records a send's outcome unless a delivery report is
// already there.
var outcomeScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur and string.find(cur, '"state":"[un]*delivered"') then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
`)

// claimScript takes a message whose lease has run out, for one replica
// only: its lease is renewed in the same step.
var claimScript = redis.NewScript(`
local due = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not due or tonumber(due) > tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1
`)

// Run sends again, every tick, the messages whose lease has run out (a
// replica gone mid-send, a send that could not start), until ctx ends;
// then it waits for the sends under way.
func (d *Deferred) Run(ctx context.Context, tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			d.wg.Wait()
			return
		case <-t.C:
			d.resend(ctx)
		}
	}
}

// resend takes up to InFlight due messages and sends them.
func (d *Deferred) resend(ctx context.Context) {
	now := d.now()
	ids, err := d.rdb.ZRangeByScore(ctx, d.pendingKey(), &redis.ZRangeBy{Min: "-inf",
		Max: fmt.Sprint(now.UnixMilli()), Count: int64(cap(d.sem))}).Result()
	if err != nil {
		d.log.WarnContext(ctx, "deferred sends: read", "err", err)
		return
	}
	for _, id := range ids {
		if !d.start() {
			return // full: the next tick
		}
		ok, err := claimScript.Run(ctx, d.rdb, []string{d.pendingKey()}, id, now.UnixMilli(), now.Add(d.cfg.Lease).UnixMilli()).Bool()
		if err != nil || !ok {
			<-d.sem
			continue // another replica took it
		}
		j, err := d.load(ctx, id)
		if err != nil {
			<-d.sem
			d.log.WarnContext(ctx, "deferred send dropped", "err", err)
			_ = d.rdb.ZRem(ctx, d.pendingKey(), id).Err()
			continue
		}
		d.log.InfoContext(ctx, "deferred send taken over", "channel", j.Channel)
		d.wg.Go(func() {
			defer func() { <-d.sem }()
			_ = d.deliver(context.WithoutCancel(ctx), id, j)
		})
	}
}

func (d *Deferred) load(ctx context.Context, id string) (job, error) {
	sealed, err := d.rdb.Get(ctx, d.jobKey(id)).Bytes()
	if err != nil {
		return job{}, fmt.Errorf("message %s: %w", id, err)
	}
	n := d.aead.NonceSize()
	if len(sealed) < n {
		return job{}, fmt.Errorf("message %s: too short", id)
	}
	raw, err := d.aead.Open(nil, sealed[:n], sealed[n:], []byte(id))
	if err != nil {
		return job{}, fmt.Errorf("message %s: cannot be opened (another key?)", id)
	}
	var j job
	if err := json.Unmarshal(raw, &j); err != nil {
		return job{}, fmt.Errorf("message %s: %w", id, err)
	}
	return j, nil
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
