package notify_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seuil-idp/seuil/flows/notify"
	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/idp/state/redistest"
)

// slowProvider is an SMS provider that answers after delay, with err, and
// remembers what it took.
type slowProvider struct {
	mu    sync.Mutex
	delay time.Duration
	err   error
	block chan struct{} // non-nil: answers once closed
	got   []notify.SMS
}

func (p *slowProvider) SendSMS(ctx context.Context, m notify.SMS) error {
	if p.block != nil {
		<-p.block
	}
	time.Sleep(p.delay)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.got = append(p.got, m)
	return p.err
}

func (p *slowProvider) taken() []notify.SMS {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]notify.SMS(nil), p.got...)
}

var deferKey = []byte("0123456789abcdef0123456789abcdef")

func newDeferred(t *testing.T, rdb redis.UniversalClient, sms notify.SMSSender, cfg notify.DeferredConfig) *notify.Deferred {
	t.Helper()
	cfg.Key, cfg.Prefix = deferKey, "t:"+t.Name()+":"
	d, err := notify.NewDeferred(rdb, cfg, sms, notify.NewOutbox(0), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func deferredBackends(t *testing.T, fn func(t *testing.T, rdb redis.UniversalClient)) {
	t.Run("redis-server", func(t *testing.T) { t.Parallel(); fn(t, redistest.Client(t)) })
	t.Run("embedded", func(t *testing.T) {
		t.Parallel()
		rdb, stop, err := state.Embedded()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(stop)
		fn(t, rdb)
	})
}

// A provider that answers in time is heard as it answers; the outcome is
// kept, and nothing of the message stays in Redis.
func TestDeferredInTime(t *testing.T) {
	t.Parallel()
	deferredBackends(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		for _, c := range []struct {
			err  error
			want string
		}{{nil, notify.Sent}, {errors.New("provider says no"), notify.Failed}} {
			p := &slowProvider{err: c.err}
			d := newDeferred(t, rdb, p, notify.DeferredConfig{Wait: 5 * time.Second})
			err := d.SMS().SendSMS(ctx, notify.SMS{To: "+33612345678", Body: "Code 123456", Code: "123456"})
			if !errors.Is(err, c.err) || errors.Is(err, notify.ErrDeferred) || len(p.taken()) != 1 {
				t.Fatalf("provider err %v: SendSMS = %v, provider took %d", c.err, err, len(p.taken()))
			}
			keys, _ := rdb.Keys(ctx, "t:"+t.Name()+":send:*").Result()
			if len(keys) != 0 {
				t.Errorf("message kept after its send: %v", keys)
			}
			if n, _ := rdb.ZCard(ctx, "t:"+t.Name()+":sends:pending").Result(); n != 0 {
				t.Errorf("%d messages still pending", n)
			}
		}
	})
}

// A slow provider does not hold the caller: it hears ErrDeferred at
// Wait, the send goes on, and Delivery follows it to "sent".
func TestDeferredSlowProvider(t *testing.T) {
	t.Parallel()
	deferredBackends(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		p := &slowProvider{delay: 400 * time.Millisecond}
		d := newDeferred(t, rdb, p, notify.DeferredConfig{Wait: 50 * time.Millisecond})
		start := time.Now()
		err := d.SMS().SendSMS(ctx, notify.SMS{To: "+33612345678", Body: "Code 123456", Code: "123456"})
		var de *notify.DeferredError
		if !errors.As(err, &de) || time.Since(start) > 300*time.Millisecond {
			t.Fatalf("SendSMS = %v after %v; want ErrDeferred at once", err, time.Since(start))
		}
		if st, err := d.Delivery(ctx, de.ID); err != nil || st.State != notify.Sending {
			t.Fatalf("Delivery while sending = %+v, %v", st, err)
		}
		// The code is sealed while the message waits in Redis.
		raw, _ := rdb.Get(ctx, "t:"+t.Name()+":send:"+de.ID).Result()
		if raw == "" || strings.Contains(raw, "123456") || strings.Contains(raw, "+33612345678") {
			t.Errorf("the kept message is not sealed (%d bytes)", len(raw))
		}
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			st, _ := d.Delivery(ctx, de.ID)
			if st.State == notify.Sent && !st.At.IsZero() {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("Delivery = %+v; want sent", st)
			}
		}
		if got := p.taken(); len(got) != 1 || got[0].Code != "123456" {
			t.Errorf("provider took %v", got)
		}
	})
}

// A screen's sends wait for their provider until Wait has passed since
// the student's request came, not since each send began: the time the
// screen spent before (a slow student source) counts. (The bounds are
// far apart: without the screen's start, each send would wait 2 s.)
func TestDeferredWaitCountsFromTheScreen(t *testing.T) {
	t.Parallel()
	deferredBackends(t, func(t *testing.T, rdb redis.UniversalClient) {
		const wait = 2 * time.Second
		for _, tc := range []struct {
			name    string
			already time.Duration // how long the screen had waited
			least   time.Duration // how long SendSMS takes at least
		}{
			{"the request's start, then the lookup", wait - 200*time.Millisecond, 100 * time.Millisecond},
			{"past the wait already", wait + time.Second, 0},
		} {
			p := &slowProvider{block: make(chan struct{})} // answers once the test is over
			t.Cleanup(func() { close(p.block) })
			d := newDeferred(t, rdb, p, notify.DeferredConfig{Wait: wait})
			ctx := notify.ForScreen(context.Background(), time.Now().Add(-tc.already))
			start := time.Now()
			err := d.SMS().SendSMS(ctx, notify.SMS{To: "+33612345678", Body: "Code 123456", Code: "123456"})
			took := time.Since(start)
			if !errors.Is(err, notify.ErrDeferred) || took >= wait/2 || took < tc.least {
				t.Errorf("%s: SendSMS = %v after %v; want ErrDeferred after [%v, %v)", tc.name, err, took, tc.least, wait/2)
			}
		}
	})
}

// A process that dies mid-send loses nothing: once the lease runs out,
// another replica's Run sends the message, once.
func TestDeferredTakenOver(t *testing.T) {
	t.Parallel()
	deferredBackends(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		stuck := &slowProvider{block: make(chan struct{})}
		t.Cleanup(func() { close(stuck.block) })
		gone := newDeferred(t, rdb, stuck, notify.DeferredConfig{Wait: 20 * time.Millisecond, Lease: 300 * time.Millisecond})
		err := gone.SMS().SendSMS(ctx, notify.SMS{To: "+33612345678", Body: "Code 654321", Code: "654321"})
		var de *notify.DeferredError
		if !errors.As(err, &de) {
			t.Fatalf("SendSMS = %v; want ErrDeferred", err)
		}
		// The other replica: same Redis, same key, a provider that works.
		ok := &slowProvider{}
		other := newDeferred(t, rdb, ok, notify.DeferredConfig{Lease: 300 * time.Millisecond})
		rctx, stop := context.WithCancel(ctx)
		defer stop()
		go other.Run(rctx, 50*time.Millisecond)
		for deadline := time.Now().Add(5 * time.Second); len(ok.taken()) == 0; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the other replica never took the message over")
			}
		}
		time.Sleep(400 * time.Millisecond) // another lease: no second send
		if got := ok.taken(); len(got) != 1 || got[0].Code != "654321" || got[0].To != "+33612345678" {
			t.Errorf("the other replica sent %v", got)
		}
		if st, err := other.Delivery(ctx, de.ID); err != nil || st.State != notify.Sent {
			t.Errorf("Delivery = %+v, %v", st, err)
		}
	})
}

// With every place in flight taken, a message is kept due at once and
// Run sends it when a place frees.
func TestDeferredFull(t *testing.T) {
	t.Parallel()
	deferredBackends(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		p := &slowProvider{delay: 200 * time.Millisecond}
		d := newDeferred(t, rdb, p, notify.DeferredConfig{Wait: 10 * time.Millisecond, InFlight: 1})
		for _, code := range []string{"111111", "222222"} {
			if err := d.SMS().SendSMS(ctx, notify.SMS{To: "+33612345678", Body: "Code " + code, Code: code}); !errors.Is(err, notify.ErrDeferred) {
				t.Fatalf("SendSMS = %v; want ErrDeferred", err)
			}
		}
		rctx, stop := context.WithCancel(ctx)
		defer stop()
		go d.Run(rctx, 50*time.Millisecond)
		for deadline := time.Now().Add(5 * time.Second); len(p.taken()) < 2; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("provider took %v; want both", p.taken())
			}
		}
	})
}

// A provider's delivery reports: the id it gave in its answer (through
// HTTPSMS's message_id) leads back to the message, whose Delivery the
// report sets; without the token, nothing is read.
func TestDeliveryReports(t *testing.T) {
	t.Parallel()
	deferredBackends(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, `{"status":"sent","messages":[{"id":"prov-77"}]}`)
		}))
		defer api.Close()
		sms, err := notify.NewHTTPSMS(notify.HTTPSMSConfig{URL: api.URL, Body: `{"to":{{.To | json}}}`, ContentType: "application/json",
			Success: notify.SuccessCheck{JSONField: "status", JSONValues: []string{"sent"}}, MessageID: "messages.0.id"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		d := newDeferred(t, rdb, sms, notify.DeferredConfig{Wait: 5 * time.Second})
		rp, err := notify.NewReports(notify.ReportsConfig{Token: "report-token-0123456789", IDField: "id", StatusField: "status",
			Delivered: []string{"DELIVRD"}, Undelivered: []string{"UNDELIV", "EXPIRED"}}, d)
		if err != nil {
			t.Fatal(err)
		}
		if !d.Reported() {
			t.Error("Reported() is false once reports are served")
		}
		var id string
		if err := d.SMS().SendSMS(notify.Track(ctx, func(s string) { id = s }), notify.SMS{To: "+33612345678", Body: "Code 123456"}); err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(rp)
		defer srv.Close()
		post := func(path, ctype, body string, header bool) int {
			req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
			req.Header.Set("Content-Type", ctype)
			if header {
				req.Header.Set("X-Seuil-Token", "report-token-0123456789")
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res.StatusCode
		}
		state := func() string {
			st, err := d.Delivery(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return st.State
		}
		for _, c := range []struct {
			name, path, ctype, body string
			header                  bool
			status                  int
			state                   string
		}{
			{"no token", "/", "application/json", `{"id":"prov-77","status":"DELIVRD"}`, false, 401, notify.Sent},
			{"wrong token", "/?token=nope", "application/json", `{"id":"prov-77","status":"DELIVRD"}`, false, 401, notify.Sent},
			{"an interim status", "/", "application/json", `{"id":"prov-77","status":"BUFFERED"}`, true, 204, notify.Sent},
			{"an unknown message", "/", "application/json", `{"id":"other","status":"DELIVRD"}`, true, 204, notify.Sent},
			{"not a report", "/", "application/json", `{"nothing":1}`, true, 400, notify.Sent},
			{"undelivered, as a form with the token in the URL", "/?token=report-token-0123456789", "application/x-www-form-urlencoded", "id=prov-77&status=EXPIRED", false, 204, notify.Undelivered},
			{"delivered, in JSON", "/", "application/json", `{"id":"prov-77","status":"DELIVRD"}`, true, 204, notify.Delivered},
		} {
			if got := post(c.path, c.ctype, c.body, c.header); got != c.status || state() != c.state {
				t.Errorf("%s: %d, state %s; want %d, %s", c.name, got, state(), c.status, c.state)
			}
		}
	})
}
