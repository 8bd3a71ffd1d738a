package ldapsync

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// snapshotPageSize is the paged-results page size: large pages mean fewer
// round trips; each page is folded into compact Entries and dropped.
const snapshotPageSize = 1000

// snapshot reads every account under the base DN that has a student
// number, in one paged search, keyed by student number. Entries are
// streamed (SearchAsync) and folded into compact entries as they arrive.
//
// Several entries with one student number cannot be reconciled
// automatically: their DNs are returned in dups, and the student is left
// out of the plan, so the rest of the sync still happens.
func (t *target) snapshot(ctx context.Context) (out map[string]entry, dups map[string][]string, err error) {
	l := t.l
	attrs := l.readAttrs()
	out = make(map[string]entry)
	dups = make(map[string][]string)
	paging := ldap.NewControlPaging(snapshotPageSize)
	filter := fmt.Sprintf("(&(objectClass=inetOrgPerson)(%s=*))", l.Attributes.StudentID)
	err = t.with(func(c *ldap.Conn) error {
		for {
			req := ldap.NewSearchRequest(l.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
				filter, attrs, []ldap.Control{paging})
			res := c.SearchAsync(ctx, req, 256)
			var ctrls []ldap.Control
			for res.Next() {
				if e := res.Entry(); e != nil {
					fold(out, dups, l, attrs, e)
				}
				if cs := res.Controls(); len(cs) > 0 {
					ctrls = cs
				}
			}
			if err := res.Err(); err != nil {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			ctrl, _ := ldap.FindControl(ctrls, ldap.ControlTypePaging).(*ldap.ControlPaging)
			if ctrl == nil || len(ctrl.Cookie) == 0 {
				return nil
			}
			paging.SetCookie(ctrl.Cookie)
		}
	})
	if err != nil {
		return nil, nil, fmt.Errorf("ldapsync: read %s: %w", l.BaseDN, err)
	}
	return out, dups, nil
}

// fold adds one search result to the snapshot.
func fold(out map[string]entry, dups map[string][]string, l *layout, attrs []string, e *ldap.Entry) {
	id := e.GetEqualFoldAttributeValue(l.Attributes.StudentID)
	if prev, dup := out[id]; dup || dups[id] != nil {
		if dup {
			dups[id] = []string{prev.dn}
			delete(out, id)
		}
		dups[id] = append(dups[id], e.DN)
		return
	}
	vals := make([][]string, len(attrs))
	for i, a := range attrs {
		vals[i] = e.GetEqualFoldAttributeValues(a)
	}
	out[strings.Clone(id)] = entry{dn: strings.Clone(e.DN), packed: pack(vals)}
}

// apply performs one planned write.
func (t *target) apply(op Op) error {
	switch op.Kind {
	case OpCreate:
		req := t.l.NewEntry(op.Record, t.l.loginOf(op.StudentID), t.l.now)
		err := t.with(func(c *ldap.Conn) error { return c.Add(req) })
		if ldap.IsErrorWithCode(err, ldap.LDAPResultEntryAlreadyExists) {
			return t.checkOwner(op)
		}
		return err
	case OpUpdate, OpLeft:
		req := ldap.NewModifyRequest(op.DN, nil)
		for _, ch := range op.Changes {
			req.Replace(ch.Attr, ch.New)
		}
		return t.with(func(c *ldap.Conn) error { return c.Modify(req) })
	}
	return fmt.Errorf("ldapsync: unknown op kind %d", op.Kind)
}

// checkOwner accepts an add that found the entry already there when it is
// the same student's (created meanwhile by an activation, or by our own
// add retried after a lost connection); another entry with that login is
// a conflict the administrator must resolve.
func (t *target) checkOwner(op Op) error {
	req := ldap.NewSearchRequest(op.DN, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false,
		"(objectClass=*)", []string{t.l.Attributes.StudentID}, nil)
	var got string
	err := t.with(func(c *ldap.Conn) error {
		res, err := c.Search(req)
		if err == nil && len(res.Entries) == 1 {
			got = res.Entries[0].GetEqualFoldAttributeValue(t.l.Attributes.StudentID)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("ldapsync: %s exists and cannot be read: %w", op.DN, err)
	}
	if got != op.StudentID {
		return fmt.Errorf("ldapsync: %s already exists for another person (%s=%q)", op.DN, t.l.Attributes.StudentID, got)
	}
	return nil
}
