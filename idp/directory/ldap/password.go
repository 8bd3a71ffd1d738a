package ldapdir

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/seuil-idp/seuil/idp/directory"
)

// SetPassword sets the password with the Password Modify extended
// operation as the service account: the server hashes it and ppolicy
// checks it (history, quality). Before that, Seuil compares it with the
// entry's readable current and past hashes (see HistoryCheck): ppolicy
// skips history for a password administrator. Then the account moves
// from created to active. A retry after a crash between the two steps
// completes the move.
func (d *Dir) SetPassword(ctx context.Context, login, password string) error {
	if login == "" {
		return directory.ErrNotFound
	}
	e, err := d.searchOne(ctx, d.write, d.cfg.Attributes.Login, login, historyAttrs...)
	if err != nil {
		return err
	}
	if e == nil {
		return directory.ErrNotFound
	}
	err = d.checkHistory(ctx, e, password)
	if err == nil {
		req := &ldap.PasswordModifyRequest{UserIdentity: e.DN, NewPassword: password}
		err = passwordError(d.write.do(ctx, func(c *ldap.Conn) error {
			_, err := c.PasswordModify(req)
			return err
		}))
	}
	state := compteValue(e.GetAttributeValues(d.cfg.Attributes.State))
	if errors.Is(err, directory.ErrPasswordInHistory) && strings.HasPrefix(state, EtatCreated) {
		// Still "created" yet the password is the current one: a previous
		// call set it and stopped before the state change. Prove it by
		// binding, then finish that call's work.
		if d.bindWrite(e.DN, password) == nil {
			err = nil
		}
	}
	if err != nil {
		return err
	}
	return d.activate(ctx, e.DN, state)
}

// passwordError maps ppolicy's refusals. go-ldap loses the ppolicy
// response control of a failed extended operation, so the result code and
// the server's diagnostic text tell them apart.
func passwordError(err error) error {
	var le *ldap.Error
	if err == nil || !errors.As(err, &le) || le.ResultCode != ldap.LDAPResultConstraintViolation {
		if err != nil {
			return fmt.Errorf("ldap: set password: %w", err)
		}
		return nil
	}
	msg := strings.ToLower(le.Err.Error())
	if strings.Contains(msg, "history") || strings.Contains(msg, "not being changed") {
		return fmt.Errorf("%w (%s)", directory.ErrPasswordInHistory, le.Err)
	}
	return fmt.Errorf("%w (%s)", directory.ErrPasswordQuality, le.Err)
}

// activate replaces the {COMPTE} state value; other resources' states
// ({MAIL}…) are kept. Active or locked accounts are left as they are.
func (d *Dir) activate(ctx context.Context, dn, current string) error {
	if current != "" && !strings.HasPrefix(current, EtatCreated) {
		return nil
	}
	attr := d.cfg.Attributes.State
	req := ldap.NewModifyRequest(dn, nil)
	if current != "" {
		req.Delete(attr, []string{current})
	}
	req.Add(attr, []string{EtatValue(EtatActive, time.Now())})
	err := d.write.do(ctx, func(c *ldap.Conn) error { return c.Modify(req) })
	if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchAttribute) ||
		ldap.IsErrorWithCode(err, ldap.LDAPResultAttributeOrValueExists) {
		return nil // a concurrent call already moved it
	}
	if err != nil {
		return fmt.Errorf("ldap: activate %s: %w", dn, err)
	}
	return nil
}

// bindWrite checks a password on the provider, on a connection of its own.
func (d *Dir) bindWrite(dn, password string) error {
	c, err := d.write.dialer.Dial(d.cfg.WriteURL)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Bind(dn, password)
}

// Authenticate finds the entry on a replica, then binds as the user with
// the ppolicy request control on a connection used only for user binds.
// It never says whether the login or the password was wrong.
func (d *Dir) Authenticate(ctx context.Context, login, password string) (directory.Account, error) {
	if login == "" || password == "" {
		return directory.Account{}, directory.ErrInvalidCredentials
	}
	e, err := d.searchOne(ctx, d.read, d.cfg.Attributes.Login, login)
	if err != nil {
		return directory.Account{}, err
	}
	start := time.Now()
	if e == nil {
		// An unknown login lasts as long as a known one's bind
		// (bindTimes), so that the answer's timing does not tell which
		// logins exist. No decoy bind: slapd would answer it at once
		// (it hashes nothing for a missing entry), and the wait is drawn
		// from real binds, round trip included.
		d.binds.pad(ctx, start, password)
		return directory.Account{}, directory.ErrInvalidCredentials
	}
	var res *ldap.SimpleBindResult
	err = d.auth.do(ctx, func(c *ldap.Conn) (err error) {
		res, err = c.SimpleBind(&ldap.SimpleBindRequest{Username: e.DN, Password: password,
			Controls: []ldap.Control{ldap.NewControlBeheraPasswordPolicy()}})
		return err
	})
	if err == nil || ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
		d.binds.add(time.Since(start))
	}
	pp := policyControl(res)
	switch {
	case ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials):
		if pp != nil && pp.Error == ldap.BeheraPasswordExpired {
			return directory.Account{}, directory.ErrPasswordExpired
		}
		if pp != nil && pp.Error == ldap.BeheraAccountLocked {
			return directory.Account{}, directory.ErrLocked
		}
		return directory.Account{}, directory.ErrInvalidCredentials
	case err != nil:
		return directory.Account{}, fmt.Errorf("ldap: bind: %w", err)
	}
	acc, err := d.account(ctx, e)
	if err != nil {
		return acc, err
	}
	if pp != nil && pp.Grace >= 0 {
		d.cfg.Logger.Warn("ldap: password expired, grace login used", "login", login, "grace_left", pp.Grace)
		acc.InGrace, acc.GraceLeft = true, int(pp.Grace)
	}
	if acc.State == directory.StateLocked {
		return directory.Account{}, directory.ErrLocked
	}
	return acc, nil
}

func policyControl(res *ldap.SimpleBindResult) *ldap.ControlBeheraPasswordPolicy {
	if res == nil {
		return nil
	}
	for _, c := range res.Controls {
		if pp, ok := c.(*ldap.ControlBeheraPasswordPolicy); ok {
			return pp
		}
	}
	return nil
}
