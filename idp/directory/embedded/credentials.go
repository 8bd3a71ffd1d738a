package embedded

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/seuil-idp/seuil/idp/credentials"
)

var _ credentials.Backend = (*Dir)(nil)

// Blobs returns the account's sealed credentials.
func (d *Dir) Blobs(ctx context.Context, login string) (map[string][]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	e, ok := d.byLogin[login]
	if !ok {
		return nil, credentials.ErrNoAccount
	}
	out := make(map[string][]byte, len(e.Credentials))
	for id, b := range e.Credentials {
		out[id] = slices.Clone(b)
	}
	return out, nil
}

// PutBlob adds or replaces one sealed credential.
func (d *Dir) PutBlob(ctx context.Context, login, id string, blob []byte) error {
	return d.changeBlobs(login, func(m map[string][]byte) { m[id] = slices.Clone(blob) })
}

// DeleteBlob removes one sealed credential.
func (d *Dir) DeleteBlob(ctx context.Context, login, id string) error {
	return d.changeBlobs(login, func(m map[string][]byte) { delete(m, id) })
}

// changeBlobs applies change to a copy and saves; a failed save leaves
// the account as it was.
func (d *Dir) changeBlobs(login string, change func(map[string][]byte)) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	e, ok := d.byLogin[login]
	if !ok {
		return credentials.ErrNoAccount
	}
	before := e.Credentials
	next := maps.Clone(before)
	if next == nil {
		next = map[string][]byte{}
	}
	change(next)
	e.Credentials = next
	if err := d.save(); err != nil {
		e.Credentials = before
		return err
	}
	return nil
}

// Memberships returns the account's eduPersonEntitlement values and
// those of candidates (group DNs) it belongs to, for staff roles.
func (d *Dir) Memberships(ctx context.Context, login string, candidates []string) (entitlements, groups []string, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	e, ok := d.byLogin[login]
	if !ok {
		return nil, nil, nil
	}
	for _, g := range candidates {
		if slices.ContainsFunc(e.Groups, func(m string) bool { return strings.EqualFold(m, g) }) {
			groups = append(groups, g)
		}
	}
	return slices.Clone(e.Entitlements), groups, nil
}
