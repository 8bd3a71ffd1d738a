package embedded

import (
	"context"
	"errors"

	"github.com/seuil-idp/seuil/idp/directory"
)

// SetPassword refuses the current and the last HistoryDepth passwords,
// then stores the new hash, moves a created account to active and starts
// a new lifetime. Hashing runs outside the lock: a change made meanwhile
// by another call makes this one start over.
func (d *Dir) SetPassword(ctx context.Context, login, password string) error {
	for attempt := 0; attempt < 3; attempt++ {
		d.mu.Lock()
		e, ok := d.byLogin[login]
		var old []string
		if ok {
			old = append([]string{e.Hash}, e.History...)
		}
		d.mu.Unlock()
		if !ok {
			return directory.ErrNotFound
		}
		for _, h := range old {
			if h != "" && verify(password, h) {
				return directory.ErrPasswordInHistory
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := hash(password, d.opts.Argon2)
		if err != nil {
			return err
		}
		done, err := d.replaceHash(e, old[0], h)
		if done || err != nil {
			return err
		}
	}
	return errors.New("embedded: password changed concurrently, try again")
}

// replaceHash stores h if e's hash is still prev; false if it changed.
func (d *Dir) replaceHash(e *entry, prev, h string) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e.Hash != prev {
		return false, nil
	}
	saved := *e
	if e.Hash != "" {
		e.History = append([]string{e.Hash}, e.History...)
		if len(e.History) > d.opts.HistoryDepth {
			e.History = e.History[:d.opts.HistoryDepth]
		}
	}
	e.Hash, e.ChangedAt = h, d.opts.Now().UTC()
	if e.State == directory.StateCreated {
		e.State = directory.StateActive
	}
	if err := d.save(); err != nil {
		*e = saved
		return false, err
	}
	return true, nil
}

// Authenticate checks the password; an unknown login or an account
// without password costs one hash too, so timing tells nothing.
func (d *Dir) Authenticate(ctx context.Context, login, password string) (directory.Account, error) {
	d.mu.Lock()
	e, ok := d.byLogin[login]
	var acc directory.Account
	var h string
	if ok {
		acc, h = d.account(e), e.Hash
	}
	d.mu.Unlock()
	if !ok || h == "" || password == "" {
		verify(password, d.dummy)
		return directory.Account{}, directory.ErrInvalidCredentials
	}
	if !verify(password, h) {
		return directory.Account{}, directory.ErrInvalidCredentials
	}
	if acc.State == directory.StateLocked {
		return directory.Account{}, directory.ErrLocked
	}
	if !d.opts.Now().Before(acc.PasswordExpiresAt) {
		return directory.Account{}, directory.ErrPasswordExpired
	}
	return acc, nil
}
