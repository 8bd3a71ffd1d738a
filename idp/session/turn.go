package session

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// An account's sign-in attempts take turns. The limit is checked before
// the password and a failure counted after it, so attempts arriving
// together would all pass the check before any was counted: a burst of
// parallel guesses would get through whatever the limit. Holding a short
// lock per account from the check to the count closes that window.
const (
	turnTTL  = 15 * time.Second // outlives a slow directory (10 s timeouts)
	turnWait = 3 * time.Second  // a double-clicked submit waits its turn
	turnPoll = 20 * time.Millisecond
)

func turnKey(login string) string {
	h := sha256.Sum256([]byte(strings.ToUpper(login)))
	return "login:turn:" + hex.EncodeToString(h[:])
}

// turn waits for the account's turn; ok is false when it did not come
// within turnWait (or Redis failed), and the attempt is then refused as
// limited. release ends the turn. Without limits there is nothing to
// protect and every attempt has its turn at once.
func (l *Login) turn(ctx context.Context, login string) (release func(), ok bool) {
	if l.lim == nil {
		return func() {}, true
	}
	k := turnKey(login)
	deadline := time.Now().Add(turnWait)
	for {
		got, err := l.m.st.PutNew(ctx, k, 1, turnTTL)
		if err != nil {
			l.log.ErrorContext(ctx, "sign-in turn", "err", err)
			return nil, false
		}
		if got {
			return func() { _ = l.m.st.Delete(context.WithoutCancel(ctx), k) }, true
		}
		if time.Now().After(deadline) {
			return nil, false
		}
		select {
		case <-ctx.Done():
			return nil, false
		case <-time.After(turnPoll):
		}
	}
}
