package ldapdir

import (
	"context"
	"fmt"
	"sync"

	"github.com/go-ldap/ldap/v3"
	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/students"
)

// This file is the bulk API for ldapsync: read every account once
// (Snapshot), let the caller diff against the student source, then write
// the differences with a few workers (Apply). Passwords and account
// states are never touched here: they belong to their owners.

// Entry is one account with the attributes ldapsync keeps in sync.
type Entry struct {
	DN        string
	Login     string
	StudentID string
	INE       string
	FirstName string
	LastName  string
	Email     string
	Mobile    string
	State     directory.State
}

// Differs names the synced fields where e and rec disagree (empty: in
// sync), for a plan or a dry run.
func (e Entry) Differs(rec students.Record) []string {
	var out []string
	check := func(name, have, want string) {
		if have != want {
			out = append(out, name)
		}
	}
	check("ine", e.INE, rec.INE)
	check("first_name", e.FirstName, rec.FirstName)
	if rec.LastName != "" {
		check("last_name", e.LastName, rec.LastName)
	}
	check("mobile", e.Mobile, rec.Mobile)
	if EmailStorable(rec.Email) {
		check("email", e.Email, rec.Email)
	}
	return out
}

// SnapshotPageSize is the paged-results page size of Snapshot.
const SnapshotPageSize = 500

// Snapshot reads every account under the base DN with a paged search and
// returns them keyed by student number. Entries without one are skipped.
func (d *Dir) Snapshot(ctx context.Context) (map[string]Entry, error) {
	a := d.cfg.Attributes
	req := ldap.NewSearchRequest(d.cfg.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		fmt.Sprintf("(&(objectClass=inetOrgPerson)(%s=*))", a.StudentID), d.attrs(), nil)
	var res *ldap.SearchResult
	err := d.read.do(ctx, func(c *ldap.Conn) (err error) {
		res, err = c.SearchWithPaging(req, SnapshotPageSize)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ldap: snapshot: %w", err)
	}
	out := make(map[string]Entry, len(res.Entries))
	for _, e := range res.Entries {
		id := e.GetAttributeValue(a.StudentID)
		out[id] = Entry{
			DN: e.DN, Login: e.GetAttributeValue(a.Login), StudentID: id,
			INE: e.GetAttributeValue(a.INE), FirstName: e.GetAttributeValue(a.FirstName),
			LastName: e.GetAttributeValue(a.LastName), Email: e.GetAttributeValue(a.Email),
			Mobile: e.GetAttributeValue(a.Mobile),
			State:  parseState(compteValue(e.GetAttributeValues(a.State)), e.GetAttributeValue("pwdChangedTime") != ""),
		}
	}
	return out, nil
}

// ChangeKind says what a Change does.
type ChangeKind int

// Change kinds: ChangeAdd creates the account in StateCreated (as Ensure
// does; an existing entry is not an error); ChangeUpdate rewrites the
// synced attributes (names, INE, mobile, e-mail, enrolment year, end date).
const (
	ChangeAdd ChangeKind = iota + 1
	ChangeUpdate
)

// Change is one write planned by ldapsync.
type Change struct {
	Kind   ChangeKind
	Login  string // the account's login (its DN for ChangeAdd)
	DN     string // for ChangeUpdate: Entry.DN from the Snapshot
	Record students.Record
}

// Apply writes changes with up to workers concurrent connections (bounded
// by the pool size). errs[i] is the outcome of changes[i] (nil: done).
func (d *Dir) Apply(ctx context.Context, changes []Change, workers int) []error {
	errs := make([]error, len(changes))
	if workers < 1 {
		workers = 1
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = d.apply(ctx, changes[i])
			}
		}()
	}
	for i := range changes {
		next <- i
	}
	close(next)
	wg.Wait()
	return errs
}

func (d *Dir) apply(ctx context.Context, ch Change) error {
	if ch.Record.StudentID == "" || ch.Login == "" {
		return errEmpty
	}
	switch ch.Kind {
	case ChangeAdd:
		err := d.write.do(ctx, func(c *ldap.Conn) error { return c.Add(d.addRequest(ch.Record, ch.Login)) })
		if ldap.IsErrorWithCode(err, ldap.LDAPResultEntryAlreadyExists) {
			return nil
		}
		return err
	case ChangeUpdate:
		dn := ch.DN
		if dn == "" {
			dn = d.dn(ch.Login)
		}
		req := ldap.NewModifyRequest(dn, nil)
		for name, vals := range d.synced(ch.Record, ch.Login) {
			req.Replace(name, vals)
		}
		return d.write.do(ctx, func(c *ldap.Conn) error { return c.Modify(req) })
	}
	return fmt.Errorf("ldap: unknown change kind %d", ch.Kind)
}
