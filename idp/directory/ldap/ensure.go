package ldapdir

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/students"
)

// Ensure returns the account of rec's student, creating it in StateCreated
// (no password) if missing. A concurrent create of the same entry is
// tolerated: whoever loses reads the winner's entry.
func (d *Dir) Ensure(ctx context.Context, rec students.Record, login string) (directory.Account, error) {
	if rec.StudentID == "" || login == "" {
		return directory.Account{}, errEmpty
	}
	// Reads go to the provider: a replica may not have the entry yet.
	acc, err := d.find(ctx, d.write, d.cfg.Attributes.StudentID, rec.StudentID)
	if !errors.Is(err, directory.ErrNotFound) {
		return acc, err
	}
	err = d.write.do(ctx, func(c *ldap.Conn) error { return c.Add(d.addRequest(rec, login)) })
	if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultEntryAlreadyExists) {
		return directory.Account{}, fmt.Errorf("ldap: add %s: %w", login, err)
	}
	acc, err = d.find(ctx, d.write, d.cfg.Attributes.Login, login)
	if err == nil && acc.StudentID != rec.StudentID {
		return directory.Account{}, fmt.Errorf("ldap: login %s belongs to another student", login)
	}
	return acc, err
}

// addRequest is the layout's new entry, created now.
func (d *Dir) addRequest(rec students.Record, login string) *ldap.AddRequest {
	d.warnEmail(rec)
	return d.layout.NewEntry(rec, login, time.Now())
}

// warnEmail says when the personal e-mail is left out (see EmailStorable).
func (d *Dir) warnEmail(rec students.Record) {
	if !EmailStorable(rec.Email) {
		d.cfg.Logger.Warn("ldap: personal e-mail is not ASCII, not stored", "student", rec.StudentID)
	}
}
