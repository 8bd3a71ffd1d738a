// Package embedded is the demo Directory: accounts in one JSON file,
// written atomically (temporary file + rename), argon2id password hashes,
// its own password history and expiry. It runs the same conformance suite
// as the LDAP directory. One process at a time may own the file.
package embedded

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/seuil-idp/seuil/idp/directory"
)

// MaxMaxAge is the longest password lifetime allowed: a year.
const MaxMaxAge = 365 * 24 * time.Hour

// Options tune the store. Zero values take the defaults.
type Options struct {
	// MaxAge is how long a password lasts (default and maximum: a year).
	MaxAge time.Duration
	// HistoryDepth is how many previous passwords are refused, besides
	// the current one (default 5).
	HistoryDepth int
	// Argon2 are the hashing costs (default DefaultParams).
	Argon2 Params
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives warnings (default slog.Default()).
	Logger *slog.Logger
}

// Dir is a file-backed Directory. It is safe for concurrent use.
type Dir struct {
	path  string
	opts  Options
	dummy string // a hash verified for unknown logins, so timing says nothing

	mu        sync.Mutex
	byLogin   map[string]*entry
	byStudent map[string]*entry
}

var _ directory.Directory = (*Dir)(nil)

// entry is one account as stored in the file.
type entry struct {
	Login     string          `json:"login"`
	Subject   string          `json:"subject"`
	StudentID string          `json:"student_id"`
	INE       string          `json:"ine,omitempty"`
	FirstName string          `json:"first_name,omitempty"`
	LastName  string          `json:"last_name,omitempty"`
	Email     string          `json:"email,omitempty"`
	Mobile    string          `json:"mobile,omitempty"`
	State     directory.State `json:"state"`
	Hash      string          `json:"hash,omitempty"`
	History   []string        `json:"history,omitempty"` // previous hashes, newest first
	ChangedAt time.Time       `json:"changed_at,omitzero"`
	// Credentials are the account's sealed second factors by id (see
	// idp/credentials); Entitlements its eduPersonEntitlement values and
	// Groups the DNs of the groups it belongs to (staff roles).
	Credentials  map[string][]byte `json:"credentials,omitempty"`
	Entitlements []string          `json:"entitlements,omitempty"`
	Groups       []string          `json:"groups,omitempty"`
}

type file struct {
	Accounts []*entry `json:"accounts"`
}

// Open loads the store at path, creating it on the first write.
func Open(path string, opts Options) (*Dir, error) {
	if opts.MaxAge == 0 {
		opts.MaxAge = MaxMaxAge
	}
	if opts.MaxAge < 0 || opts.MaxAge > MaxMaxAge {
		return nil, fmt.Errorf("embedded: max age %v is not between 0 and a year", opts.MaxAge)
	}
	if opts.HistoryDepth == 0 {
		opts.HistoryDepth = 5
	}
	if opts.Argon2 == (Params{}) {
		opts.Argon2 = DefaultParams
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	d := &Dir{path: path, opts: opts, byLogin: map[string]*entry{}, byStudent: map[string]*entry{}}
	var err error
	if d.dummy, err = hash("not a password", opts.Argon2); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return d, nil
	}
	if err != nil {
		return nil, fmt.Errorf("embedded: %w", err)
	}
	var f file
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("embedded: %s: %w", path, err)
	}
	for _, e := range f.Accounts {
		d.byLogin[e.Login] = e
		d.byStudent[e.StudentID] = e
	}
	return d, nil
}

// save writes every account to a temporary file beside the store, then
// renames it over the store, so a crash leaves the old or the new file.
// The caller holds d.mu.
func (d *Dir) save() error {
	f := file{Accounts: make([]*entry, 0, len(d.byLogin))}
	for _, e := range d.byLogin {
		f.Accounts = append(f.Accounts, e)
	}
	b, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(d.path), filepath.Base(d.path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("embedded: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err = tmp.Write(b); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), d.path)
	}
	if err != nil {
		return fmt.Errorf("embedded: save %s: %w", d.path, err)
	}
	return nil
}

// account copies e out, with the expiry computed from the current max
// age (as ppolicy does with pwdMaxAge).
func (d *Dir) account(e *entry) directory.Account {
	a := directory.Account{Login: e.Login, Subject: e.Subject, StudentID: e.StudentID, INE: e.INE,
		FirstName: e.FirstName, LastName: e.LastName, Email: e.Email, Mobile: e.Mobile,
		State: e.State, PasswordChangedAt: e.ChangedAt}
	if !e.ChangedAt.IsZero() {
		a.PasswordExpiresAt = e.ChangedAt.Add(d.opts.MaxAge)
	}
	return a
}

// newSubject returns a random UUID (version 4): opaque and stable once stored.
func newSubject() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:]), nil
}

// PasswordPolicy is the embedded directory's own: its options.
func (d *Dir) PasswordPolicy(context.Context) (directory.Policy, error) {
	return directory.Policy{Source: "the embedded directory", MaxAge: d.opts.MaxAge, InHistory: d.opts.HistoryDepth}, nil
}
