package notify

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Delivery reports: a provider that posts back what became of each SMS
// (delivered to the phone, or not) names the message by the id it gave
// in its answer to the send (HTTPSMSConfig.MessageID). Deferred keeps,
// for an hour, which message that id is, and Reports turns each report
// into the message's Delivery, which the code screen and the helpdesk
// read.

// The states a report gives a Delivery, past Sent.
const (
	Delivered   = "delivered"
	Undelivered = "undelivered"
)

type idKey struct{}

// withProviderID has the sender tell fn the id its provider gave the
// message.
func withProviderID(ctx context.Context, fn func(string)) context.Context {
	return context.WithValue(ctx, idKey{}, fn)
}

type trackKey struct{}

// Track has Deferred tell fn the id of the message it is about to send,
// deferred or not, so that its caller can follow it (Delivery).
func Track(ctx context.Context, fn func(id string)) context.Context {
	return context.WithValue(ctx, trackKey{}, fn)
}

// tell hands id to the func ctx holds under key (idKey, trackKey), if any.
func tell(ctx context.Context, key any, id string) {
	if fn, ok := ctx.Value(key).(func(string)); ok {
		fn(id)
	}
}

// ReportsConfig reads a provider's delivery reports: JSON bodies, or
// form (or query) fields.
type ReportsConfig struct {
	// Token authenticates the provider: sent in the header Header
	// (default X-Seuil-Token) or as the query parameter token, for
	// providers that can only be given a URL.
	Token  string
	Header string
	// IDField and StatusField name the message id and the status in a
	// report (dotted paths in JSON; field names in a form).
	IDField, StatusField string
	// Delivered and Undelivered list the statuses that mean each; any
	// other (accepted, buffered…) changes nothing.
	Delivered, Undelivered []string
}

// Reports is the HTTP endpoint providers post their delivery reports to.
type Reports struct {
	cfg ReportsConfig
	d   *Deferred
}

// NewReports serves cfg's reports into d's deliveries.
func NewReports(cfg ReportsConfig, d *Deferred) (*Reports, error) {
	if cfg.Token == "" || cfg.IDField == "" || cfg.StatusField == "" || len(cfg.Delivered) == 0 {
		return nil, errors.New("notify: reports: token, id_field, status_field and delivered are required")
	}
	if cfg.Header == "" {
		cfg.Header = "X-Seuil-Token"
	}
	d.reported.Store(true)
	return &Reports{cfg: cfg, d: d}, nil
}

// ServeHTTP takes one report: 204 once read (whether or not the message
// is known: a provider retries what fails), 401 without the token, 400
// for what is not a report.
func (rp *Reports) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tok := r.Header.Get(rp.cfg.Header)
	if tok == "" {
		tok = r.URL.Query().Get("token")
	}
	if subtle.ConstantTimeCompare([]byte(tok), []byte(rp.cfg.Token)) != 1 {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	id, status, err := rp.read(r)
	if err != nil {
		http.Error(w, "not a delivery report", http.StatusBadRequest)
		return
	}
	state := ""
	switch {
	case slices.Contains(rp.cfg.Delivered, status):
		state = Delivered
	case slices.Contains(rp.cfg.Undelivered, status):
		state = Undelivered
	}
	if state != "" {
		if err := rp.d.report(r.Context(), id, state); err != nil && !errors.Is(err, ErrNotKept) {
			rp.d.log.WarnContext(r.Context(), "sms delivery report not kept", "err", err)
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func (rp *Reports) read(r *http.Request) (id, status string, err error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<10))
	if err != nil {
		return "", "", err
	}
	if strings.HasPrefix(strings.TrimSpace(r.Header.Get("Content-Type")), "application/json") || json.Valid(body) && len(body) > 0 {
		if id, err = jsonField(body, rp.cfg.IDField); err != nil {
			return "", "", err
		}
		status, err = jsonField(body, rp.cfg.StatusField)
		return id, status, err
	}
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	if err := r.ParseForm(); err != nil {
		return "", "", err
	}
	id, status = r.Form.Get(rp.cfg.IDField), r.Form.Get(rp.cfg.StatusField)
	if id == "" || status == "" {
		return "", "", errors.New("no id or status")
	}
	return id, status, nil
}

func (d *Deferred) refKey(providerID string) string { return d.cfg.Prefix + "smsref:" + providerID }

// report sets the Delivery of the message the provider calls providerID.
func (d *Deferred) report(ctx context.Context, providerID, state string) error {
	id, err := d.rdb.Get(ctx, d.refKey(providerID)).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return ErrNotKept
	case err != nil:
		return err // Redis away: the provider is told to try again
	}
	return d.rdb.Set(ctx, d.deliveryKey(id), mustJSON(Delivery{State: state, At: d.now()}), keep).Err()
}

// withReference makes ctx keep, when the provider names the message, the
// way back from its id to the message's.
func (d *Deferred) withReference(ctx context.Context, id string) context.Context {
	return withProviderID(ctx, func(providerID string) {
		if len(providerID) > 200 {
			return
		}
		if err := d.rdb.Set(context.WithoutCancel(ctx), d.refKey(providerID), id, keep).Err(); err != nil {
			d.log.WarnContext(ctx, "sms provider id not kept", "err", err)
		}
	})
}

// lastKey names a student's last followed SMS by a hash of the student
// number: Redis keys name no student.
func (d *Deferred) lastKey(studentID string) string {
	sum := sha256.Sum256([]byte("seuil last sms\x00" + studentID))
	return d.cfg.Prefix + "smslast:" + hex.EncodeToString(sum[:16])
}

// Remember makes id the student's last SMS, for the helpdesk.
func (d *Deferred) Remember(ctx context.Context, studentID, id string) error {
	return d.rdb.Set(ctx, d.lastKey(studentID), id, keep).Err()
}

// Last is what became of the student's last SMS (within the hour), or
// ErrNotKept.
func (d *Deferred) Last(ctx context.Context, studentID string) (Delivery, error) {
	id, err := d.rdb.Get(ctx, d.lastKey(studentID)).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return Delivery{}, ErrNotKept
	case err != nil:
		return Delivery{}, err
	}
	return d.Delivery(ctx, id)
}
