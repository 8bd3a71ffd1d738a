package students

import (
	"context"
	"fmt"

	"github.com/go-ldap/ldap/v3"
)

// attrs lists the attributes to read.
func (s *LDAP) attrs() []string {
	var out []string
	for _, n := range s.names {
		if n != "-" {
			out = append(out, n)
		}
	}
	return out
}

// search runs req, retrying once on a fresh connection after a network
// error (the directory may have closed an idle connection).
func (s *LDAP) search(ctx context.Context, req *ldap.SearchRequest) (*ldap.SearchResult, error) {
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		if err = ctx.Err(); err != nil {
			return nil, err
		}
		var c *ldap.Conn
		if c, err = s.get(); err != nil {
			continue
		}
		var res *ldap.SearchResult
		res, err = c.Search(req)
		if !ldap.IsErrorWithCode(err, ldap.ErrorNetwork) {
			return res, err
		}
		c.Close()
	}
	return nil, err
}

// Lookup finds the student entry with that student number (escaped: a
// value such as "*" matches nothing).
func (s *LDAP) Lookup(ctx context.Context, studentID string) (Record, error) {
	filter := fmt.Sprintf("(&%s(%s=%s))", s.cfg.Filter, s.names[fStudentID], ldap.EscapeFilter(studentID))
	req := ldap.NewSearchRequest(s.cfg.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		2, int(s.cfg.Timeout.Seconds()), false, filter, s.attrs(), nil)
	res, err := s.search(ctx, req)
	if err != nil {
		return Record{}, fmt.Errorf("students: LDAP lookup: %w", err)
	}
	switch len(res.Entries) {
	case 0:
		return Record{}, ErrNotFound
	case 1:
	default:
		return Record{}, &RowError{Line: 2, Key: studentID, Err: ErrDuplicate}
	}
	r, err := s.record(res.Entries[0])
	if err != nil {
		return Record{}, &RowError{Line: 1, Key: studentID, Err: err}
	}
	return r, nil
}

// All reads every student entry with a paged search; RowError.Line is the
// entry's position in the results.
func (s *LDAP) All(ctx context.Context, fn func(Record) error, bad func(*RowError)) error {
	filter := fmt.Sprintf("(&%s(%s=*))", s.cfg.Filter, s.names[fStudentID])
	paging := ldap.NewControlPaging(uint32(s.cfg.PageSize))
	seen := make(map[string]int)
	n := 0
	for {
		req := ldap.NewSearchRequest(s.cfg.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
			0, 0, false, filter, s.attrs(), []ldap.Control{paging})
		res, err := s.search(ctx, req)
		if err != nil {
			return fmt.Errorf("students: LDAP bulk read: %w", err)
		}
		for _, e := range res.Entries {
			n++
			r, err := s.record(e)
			if err == nil {
				if first, dup := seen[r.StudentID]; dup {
					err = fmt.Errorf("%w (first at entry %d)", ErrDuplicate, first)
				}
			}
			if err != nil {
				bad(&RowError{Line: n, Key: e.GetEqualFoldAttributeValue(s.names[fStudentID]), Err: fmt.Errorf("%s: %w", e.DN, err)})
				continue
			}
			seen[r.StudentID] = n
			if err := fn(r); err != nil {
				return err
			}
		}
		ctrl, _ := ldap.FindControl(res.Controls, ldap.ControlTypePaging).(*ldap.ControlPaging)
		if ctrl == nil || len(ctrl.Cookie) == 0 {
			return nil
		}
		paging.SetCookie(ctrl.Cookie)
	}
}

func (s *LDAP) record(e *ldap.Entry) (Record, error) {
	var raw [numFields]string
	for f, name := range s.names {
		if name != "-" {
			raw[f] = e.GetEqualFoldAttributeValue(name)
		}
	}
	return parseRow(&raw, s.cfg.Region)
}
