package embedded

import (
	"context"
	"errors"

	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/students"
)

// FindByStudentID returns the account of a student number, or ErrNotFound.
func (d *Dir) FindByStudentID(ctx context.Context, studentID string) (directory.Account, error) {
	return d.find(d.byStudent, studentID)
}

// FindByLogin returns the account with that login, or ErrNotFound.
func (d *Dir) FindByLogin(ctx context.Context, login string) (directory.Account, error) {
	return d.find(d.byLogin, login)
}

// Standing returns the subject and state of the account with that login.
func (d *Dir) Standing(ctx context.Context, login string) (directory.Standing, error) {
	a, err := d.find(d.byLogin, login)
	return directory.Standing{Subject: a.Subject, State: a.State}, err
}

func (d *Dir) find(index map[string]*entry, key string) (directory.Account, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	e, ok := index[key]
	if !ok {
		return directory.Account{}, directory.ErrNotFound
	}
	return d.account(e), nil
}

var errLoginTaken = errors.New("embedded: login belongs to another student")

// Ensure returns the account of rec's student, creating it in
// StateCreated, without a password, if it is missing.
func (d *Dir) Ensure(ctx context.Context, rec students.Record, login string) (directory.Account, error) {
	if rec.StudentID == "" || login == "" {
		return directory.Account{}, errors.New("embedded: empty student number or login")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if e, ok := d.byStudent[rec.StudentID]; ok {
		return d.account(e), nil
	}
	if _, ok := d.byLogin[login]; ok {
		return directory.Account{}, errLoginTaken
	}
	sub, err := newSubject()
	if err != nil {
		return directory.Account{}, err
	}
	e := &entry{Login: login, Subject: sub, StudentID: rec.StudentID, INE: rec.INE,
		FirstName: rec.FirstName, LastName: rec.LastName, Email: rec.Email, Mobile: rec.Mobile,
		State: directory.StateCreated}
	d.byLogin[login], d.byStudent[rec.StudentID] = e, e
	if err := d.save(); err != nil {
		delete(d.byLogin, login)
		delete(d.byStudent, rec.StudentID)
		return directory.Account{}, err
	}
	return d.account(e), nil
}
