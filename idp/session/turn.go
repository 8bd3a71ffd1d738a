package session

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seuil-idp/seuil/idp/regulation"
)

// Sign-in attempts take turns. The limits are checked before the password
// and a failure counted after it, so attempts arriving together would all
// pass the check before any was counted: a burst of parallel guesses got
// through whatever the limits. So an account has one attempt in flight at
// a time, and an address a few (ipSlots: an enrolment room or eduroam
// shares one), from the check to the count; the per-IP limit may thus be
// passed by at most ipSlots-1 attempts.
const (
	ipSlots  = 4
	turnTTL  = 15 * time.Second // outlives a slow directory (10 s timeouts)
	turnWait = 3 * time.Second  // a double-clicked submit waits its turn
	turnPoll = 20 * time.Millisecond
)

func hashed(prefix, v string) string {
	h := sha256.Sum256([]byte(v))
	return prefix + hex.EncodeToString(h[:])
}

// takeSlot takes one of n slots under key (a counter), atomically.
var takeSlot = redis.NewScript(`
local v = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if v > tonumber(ARGV[1]) then
  redis.call('DECR', KEYS[1])
  return 0
end
return 1`)

// giveSlot gives a slot back; the counter never goes below zero.
var giveSlot = redis.NewScript(`
local v = redis.call('DECR', KEYS[1])
if v <= 0 then redis.call('DEL', KEYS[1]) end
return v`)

// turn waits for a slot of the address and the account's turn; ok is
// false when they did not come within turnWait (or Redis failed), and the
// attempt is then refused as limited. release gives them back. Without
// limits there is nothing to protect and every attempt goes at once.
func (l *Login) turn(ctx context.Context, ip, login string) (release func(), ok bool) {
	if l.lim == nil {
		return func() {}, true
	}
	ipKey := l.m.st.Key(hashed("login:slots:", regulation.IPKey(ip)))
	acctKey := hashed("login:turn:", strings.ToUpper(login))
	rdb := l.m.st.Client()
	deadline := time.Now().Add(turnWait)
	take := func(what string, try func() (bool, error)) bool {
		for {
			got, err := try()
			if err != nil {
				l.log.ErrorContext(ctx, "sign-in turn", "of", what, "err", err)
				return false
			}
			if got {
				return true
			}
			if time.Now().After(deadline) {
				return false
			}
			select {
			case <-ctx.Done():
				return false
			case <-time.After(turnPoll):
			}
		}
	}
	giveIP := func() { _ = giveSlot.Run(context.WithoutCancel(ctx), rdb, []string{ipKey}).Err() }
	if !take("address", func() (bool, error) {
		n, err := takeSlot.Run(ctx, rdb, []string{ipKey}, ipSlots, turnTTL.Milliseconds()).Int()
		return n == 1, err
	}) {
		return nil, false
	}
	if !take("account", func() (bool, error) { return l.m.st.PutNew(ctx, acctKey, 1, turnTTL) }) {
		giveIP()
		return nil, false
	}
	return func() {
		_ = l.m.st.Delete(context.WithoutCancel(ctx), acctKey)
		giveIP()
	}, true
}
