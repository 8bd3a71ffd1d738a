package ldapsync

import (
	"slices"
	"sort"
	"strings"

	ldapdir "github.com/seuil-idp/seuil/idp/directory/ldap"
	"github.com/seuil-idp/seuil/idp/students"
)

// entry is an account as the snapshot read it: its DN and the values of
// the attributes ldapsync reads, in layout.readAttrs order, packed into
// one string (see pack): 100,000 entries are held at once, and a few
// large strings instead of millions of small ones keep the garbage
// collector's work (which dominated the snapshot's time) small.
type entry struct {
	dn     string
	packed string
}

// Separators of packed values: LDAP strings may hold any byte in theory,
// but the attributes read here (names, numbers, dates, e-mail, states)
// never hold these control characters.
const (
	sepAttr  = "\x1e"
	sepValue = "\x1f"
)

// pack joins the values of each attribute, attributes in order.
func pack(vals [][]string) string {
	var b strings.Builder
	for i, vs := range vals {
		if i > 0 {
			b.WriteString(sepAttr)
		}
		b.WriteString(strings.Join(vs, sepValue))
	}
	return b.String()
}

// unpack returns the values of the i-th attribute.
func unpack(packed string, i int) []string {
	for ; i > 0; i-- {
		_, rest, ok := strings.Cut(packed, sepAttr)
		if !ok {
			return nil
		}
		packed = rest
	}
	v, _, _ := strings.Cut(packed, sepAttr)
	if v == "" {
		return nil
	}
	return strings.Split(v, sepValue)
}

// OpKind says what an Op does.
type OpKind int

// Kinds of planned writes.
const (
	OpCreate OpKind = iota + 1 // add the account, state created, no password
	OpUpdate                   // replace managed attributes that changed
	OpLeft                     // mark (or lock) the account of a student who left
)

// AttrChange replaces one attribute's values (none: delete it).
type AttrChange struct {
	Attr     string
	Old, New []string
}

// Op is one planned write.
type Op struct {
	Kind      OpKind
	StudentID string
	DN        string
	Record    students.Record // OpCreate: the entry is built from it when written
	Changes   []AttrChange    // OpUpdate, OpLeft
}

// LeftPolicy says what happens to the account of a student who is in the
// directory but no longer in the source. Accounts are never deleted.
type LeftPolicy string

// Left policies.
const (
	// LeftMark sets the end-of-studies date (supannEtuDateFin) to today
	// unless an earlier one is set; the account keeps working.
	LeftMark LeftPolicy = "mark"
	// LeftLock marks, and sets the account state to inactive/expired.
	LeftLock LeftPolicy = "lock"
	// LeftLeave changes nothing.
	LeftLeave LeftPolicy = "leave"
)

// Plan is the difference between the source and the directory.
type Plan struct {
	Ops       []Op
	Unchanged int
	Leavers   int // accounts absent from the source (whatever the policy)
}

// plan compares the records with the snapshot. skip holds student numbers
// of invalid source rows: those are neither updated nor taken as leavers.
func (l *layout) plan(recs map[string]students.Record, snap map[string]entry, skip map[string]bool, policy LeftPolicy) Plan {
	var p Plan
	for _, id := range sortedKeys(recs) {
		rec := recs[id]
		e, ok := snap[id]
		if !ok {
			p.Ops = append(p.Ops, Op{Kind: OpCreate, StudentID: id, DN: l.DN(l.loginOf(id)), Record: rec})
			continue
		}
		if ch := l.changes(e, rec); len(ch) > 0 {
			p.Ops = append(p.Ops, Op{Kind: OpUpdate, StudentID: id, DN: e.dn, Changes: ch})
		} else {
			p.Unchanged++
		}
	}
	for _, id := range sortedKeys(snap) {
		if _, ok := recs[id]; ok || skip[id] {
			continue
		}
		p.Leavers++
		e := snap[id]
		if ch := l.leftChanges(e, policy); len(ch) > 0 {
			p.Ops = append(p.Ops, Op{Kind: OpLeft, StudentID: id, DN: e.dn, Changes: ch})
		} else {
			p.Unchanged++
		}
	}
	return p
}

func (l *layout) changes(e entry, rec students.Record) []AttrChange {
	want := l.synced(rec)
	var out []AttrChange
	for _, name := range l.managed {
		if have := l.get(e, name); !sameValues(have, want[name]) {
			out = append(out, AttrChange{Attr: name, Old: have, New: want[name]})
		}
	}
	return out
}

// leftChanges applies the policy to an account whose student left.
// Calling it on an account already handled yields nothing: idempotent.
func (l *layout) leftChanges(e entry, policy LeftPolicy) []AttrChange {
	if policy == LeftLeave {
		return nil
	}
	var out []AttrChange
	today := ldapdir.GeneralizedDate(l.now)
	if end := l.get(e, ldapdir.AttrEndDate); len(end) == 0 || end[0] > today {
		out = append(out, AttrChange{Attr: ldapdir.AttrEndDate, Old: end, New: []string{today}})
	}
	if policy == LeftLock {
		old := l.get(e, l.Attributes.State)
		var keep []string
		locked := false
		for _, v := range old {
			if strings.HasPrefix(v, ldapdir.EtatLocked) {
				locked = true
			}
			if !strings.HasPrefix(v, ldapdir.EtatPrefix) {
				keep = append(keep, v) // other resources' states stay
			}
		}
		if !locked {
			out = append(out, AttrChange{Attr: l.Attributes.State, Old: old,
				New: append(keep, ldapdir.EtatValue(ldapdir.EtatLocked, l.now))})
		}
	}
	return out
}

// sameValues compares value sets, ignoring order.
func sameValues(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 1 {
		return a[0] == b[0]
	}
	x, y := slices.Clone(a), slices.Clone(b)
	sort.Strings(x)
	sort.Strings(y)
	return slices.Equal(x, y)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
