package ldapsync

import (
	"fmt"
	"strings"
	"time"

	"github.com/seuil-idp/seuil/idp/directory"
	ldapdir "github.com/seuil-idp/seuil/idp/directory/ldap"
	"github.com/seuil-idp/seuil/idp/students"
)

// The entries written here are built by ldapdir.Layout, as ldapdir.Ensure
// builds them; TestSyncedEntriesWorkWithDirectory still reads synced
// entries back through ldapdir.

// layout is ldapdir's account layout, plus the login pattern, the time
// of the run and the positions of the attributes the snapshot reads.
type layout struct {
	ldapdir.Layout
	login   string // login pattern, e.g. "{student_id}T"
	now     time.Time
	managed []string       // synced attributes, in a stable order
	index   map[string]int // position in readAttrs
}

func newLayout(cfg ldapdir.Config, loginPattern string, now time.Time) (*layout, error) {
	if cfg.BaseDN == "" {
		return nil, fmt.Errorf("ldapsync: base_dn is required")
	}
	loginPattern = directory.CanonicalLoginPattern(loginPattern)
	if !strings.Contains(loginPattern, directory.PlaceholderStudentID) || strings.Contains(loginPattern, directory.PlaceholderINE) {
		return nil, fmt.Errorf("ldapsync: login pattern %q must hold %s (and not %s: a login must not change)",
			loginPattern, directory.PlaceholderStudentID, directory.PlaceholderINE)
	}
	l := &layout{Layout: cfg.Layout(), login: loginPattern, now: now.UTC()}
	l.managed = l.Managed()
	l.index = make(map[string]int)
	for i, name := range l.readAttrs() {
		if _, dup := l.index[name]; !dup {
			l.index[name] = i
		}
	}
	return l, nil
}

// loginOf applies the login pattern.
func (l *layout) loginOf(studentID string) string {
	return directory.ExpandLogin(l.login, studentID, "")
}

// readAttrs lists what the snapshot reads; entry.vals follows its order.
func (l *layout) readAttrs() []string {
	return append([]string{l.Attributes.Login, l.Attributes.State}, l.managed...)
}

// get returns an entry's values of one of readAttrs.
func (l *layout) get(e entry, name string) []string {
	i, ok := l.index[name]
	if !ok {
		return nil
	}
	return unpack(e.packed, i)
}

// synced is what the source says the managed attributes should hold.
func (l *layout) synced(rec students.Record) map[string][]string {
	return l.Synced(rec, l.loginOf(rec.StudentID))
}
