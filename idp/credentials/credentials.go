// Package credentials keeps the authentication factors an account holds
// besides its password (staff TOTP secrets and recovery codes today,
// passkeys later) in the account store, the university's durable one:
// they survive a restart of every replica and of Redis.
//
// A Vault seals each credential with AES-256-GCM under a key from the
// configuration before its Backend stores it, binding the ciphertext to
// its account and id: whoever reads the directory (a replica, an LDIF
// backup) gets neither a TOTP secret nor a credential they can move to
// another account. Backends (the embedded directory, LDAP) store opaque
// blobs and run the conformance suite in credentialstest.
package credentials

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Kinds of credential.
const (
	KindTOTP     = "totp"
	KindRecovery = "recovery" // one single-use recovery code (its hash)
	KindPasskey  = "passkey"  // a WebAuthn credential (Secret: its record, JSON)
)

// Credential is one factor of one account.
type Credential struct {
	ID       string    `json:"id"`
	Kind     string    `json:"kind"`
	Created  time.Time `json:"created"`
	LastUsed time.Time `json:"last_used,omitzero"`
	// Counter is the kind's monotonic counter: for TOTP the last time
	// step accepted (a code is never accepted twice), for a passkey its
	// signature count.
	Counter int64 `json:"counter,omitempty"`
	// Secret is the kind's secret: the TOTP key, a recovery code's
	// SHA-256. Sealed at rest like the rest of the credential.
	Secret []byte `json:"secret,omitempty"`
}

// ErrNoAccount means the login names no account of the backend.
var ErrNoAccount = errors.New("credentials: no such account")

// Backend stores sealed credentials on accounts. Each blob is written
// and deleted on its own, so that two replicas adding credentials to
// one account at once both keep theirs.
type Backend interface {
	// Blobs returns the account's sealed credentials by id (none: an
	// empty map), or ErrNoAccount.
	Blobs(ctx context.Context, login string) (map[string][]byte, error)
	// PutBlob adds or replaces the blob with that id.
	PutBlob(ctx context.Context, login, id string, blob []byte) error
	// DeleteBlob removes the blob with that id; an absent one is not an
	// error.
	DeleteBlob(ctx context.Context, login, id string) error
}

// KeySize is the sealing key's size: AES-256.
const KeySize = 32

// Vault seals credentials for a Backend.
type Vault struct {
	b    Backend
	aead cipher.AEAD
	now  func() time.Time
	// handleKey derives the nonce of the deterministic user handles.
	handleKey []byte
}

// NewVault returns a vault sealing with key (KeySize bytes; every
// replica must share it, and losing it loses every enrolment).
func NewVault(b Backend, key []byte) (*Vault, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("credentials: the key must be %d bytes, not %d", KeySize, len(key))
	}
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(blk)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("seuil passkey user handle"))
	return &Vault{b: b, aead: aead, now: time.Now, handleKey: mac.Sum(nil)}, nil
}

// NewID returns a random credential id (16 base32 characters).
func NewID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// additional binds a ciphertext to its place: a blob copied to another
// account or id does not open.
func additional(login, id string) []byte { return []byte("seuil-credential\x00" + login + "\x00" + id) }

// List returns the account's credentials, oldest first. A blob that does
// not open (another key, moved from elsewhere) is an error, never
// skipped: skipping would read as "not enrolled" and let the holder
// enrol a new factor without the old one.
func (v *Vault) List(ctx context.Context, login string) ([]Credential, error) {
	blobs, err := v.b.Blobs(ctx, login)
	if err != nil {
		return nil, err
	}
	out := make([]Credential, 0, len(blobs))
	for id, blob := range blobs {
		c, err := v.open(login, id, blob)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.Before(out[j].Created)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// Put seals and stores c (a new id when it has none).
func (v *Vault) Put(ctx context.Context, login string, c Credential) (Credential, error) {
	if c.ID == "" {
		c.ID = NewID()
	}
	if c.Created.IsZero() {
		c.Created = v.now().UTC().Truncate(time.Second)
	}
	plain, err := json.Marshal(c)
	if err != nil {
		return Credential{}, err
	}
	nonce := make([]byte, v.aead.NonceSize(), v.aead.NonceSize()+len(plain)+v.aead.Overhead())
	_, _ = rand.Read(nonce)
	blob := v.aead.Seal(nonce, nonce, plain, additional(login, c.ID))
	if err := v.b.PutBlob(ctx, login, c.ID, blob); err != nil {
		return Credential{}, fmt.Errorf("credentials: store: %w", err)
	}
	return c, nil
}

// Delete removes one credential.
func (v *Vault) Delete(ctx context.Context, login, id string) error {
	if err := v.b.DeleteBlob(ctx, login, id); err != nil {
		return fmt.Errorf("credentials: delete: %w", err)
	}
	return nil
}

// DeleteAll removes every credential of the account (an admin resetting
// a colleague's enrolment).
func (v *Vault) DeleteAll(ctx context.Context, login string) error {
	blobs, err := v.b.Blobs(ctx, login)
	if err != nil {
		return err
	}
	for id := range blobs {
		if err := v.Delete(ctx, login, id); err != nil {
			return err
		}
	}
	return nil
}

// ErrSealed means a stored credential does not open with this key.
var ErrSealed = errors.New("credentials: a stored credential does not open with the configured key")

func (v *Vault) open(login, id string, blob []byte) (Credential, error) {
	n := v.aead.NonceSize()
	if len(blob) < n {
		return Credential{}, ErrSealed
	}
	plain, err := v.aead.Open(nil, blob[:n], blob[n:], additional(login, id))
	if err != nil {
		return Credential{}, ErrSealed
	}
	var c Credential
	if err := json.Unmarshal(plain, &c); err != nil || c.ID != id {
		return Credential{}, ErrSealed
	}
	return c, nil
}

// SealValue seals a short value for login and purpose into text (a
// hidden form field): what is not stored yet travels sealed, and opens
// only for the same login and purpose.
func (v *Vault) SealValue(login, purpose string, value []byte) (string, error) {
	nonce := make([]byte, v.aead.NonceSize())
	_, _ = rand.Read(nonce)
	out := v.aead.Seal(nonce, nonce, value, additional(login, "value:"+purpose))
	return base64.RawURLEncoding.EncodeToString(out), nil
}

// UserHandle is the WebAuthn user handle of login: the login sealed
// deterministically (the nonce is an HMAC of the login, so one account
// always has the same handle and an authenticator keeps one passkey per
// account), opaque to whoever reads it, and opened back to the login
// when a discoverable credential signs in: no directory index is needed
// to find the account. At most 64 bytes (WebAuthn's bound), so logins up
// to 36 bytes.
func (v *Vault) UserHandle(login string) ([]byte, error) {
	n := v.aead.NonceSize()
	if n+len(login)+v.aead.Overhead() > 64 {
		return nil, fmt.Errorf("credentials: the login %q is too long for a passkey user handle", login)
	}
	mac := hmac.New(sha256.New, v.handleKey)
	mac.Write([]byte(login))
	nonce := mac.Sum(nil)[:n]
	return v.aead.Seal(nonce, nonce, []byte(login), []byte("seuil-passkey-user")), nil
}

// HandleLogin opens a user handle back to its login (ErrSealed when it is
// not one of this key's).
func (v *Vault) HandleLogin(handle []byte) (string, error) {
	n := v.aead.NonceSize()
	if len(handle) < n {
		return "", ErrSealed
	}
	plain, err := v.aead.Open(nil, handle[:n], handle[n:], []byte("seuil-passkey-user"))
	if err != nil {
		return "", ErrSealed
	}
	return string(plain), nil
}

// OpenValue opens what SealValue sealed.
func (v *Vault) OpenValue(login, purpose, text string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(text)
	n := v.aead.NonceSize()
	if err != nil || len(b) < n {
		return nil, ErrSealed
	}
	plain, err := v.aead.Open(nil, b[:n], b[n:], additional(login, "value:"+purpose))
	if err != nil {
		return nil, ErrSealed
	}
	return plain, nil
}
