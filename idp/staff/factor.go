package staff

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/seuil-idp/seuil/idp/credentials"
	"github.com/seuil-idp/seuil/idp/regulation"
)

// The TOTP parameters every authenticator app understands (RFC 6238
// defaults): 6 digits, 30 s, SHA-1, and one step of clock skew either way.
const (
	period = 30
	digits = otp.DigitsSix
	skew   = 1
	// RecoveryCodes is how many single-use recovery codes an enrolment
	// gives.
	RecoveryCodes = 10
)

// Typed errors the console turns into messages.
var (
	ErrWrongCode    = errors.New("staff: wrong code")
	ErrReplayed     = errors.New("staff: code already used")
	ErrNotEnrolled  = errors.New("staff: no second factor enrolled")
	ErrEnrolExpired = errors.New("staff: enrolment expired, start again")
)

// Limiter is the part of idp/regulation the second factor uses.
type Limiter interface {
	CheckAll(ctx context.Context, targets ...regulation.Target) error
	HitAll(ctx context.Context, targets ...regulation.Target) error
}

// Marker sets a key once across replicas (state.Store.PutNew), so that a
// code used on one replica is refused on every other within its window.
type Marker interface {
	PutNew(ctx context.Context, key string, v any, ttl time.Duration) (bool, error)
}

// Factors enrols and checks staff members' second factors.
type Factors struct {
	vault  *credentials.Vault
	marks  Marker
	lim    Limiter
	issuer string
	now    func() time.Time
}

// NewFactors returns the second-factor service. lim may be nil (tests).
func NewFactors(v *credentials.Vault, marks Marker, lim Limiter, issuer string) *Factors {
	if issuer == "" {
		issuer = "Seuil"
	}
	return &Factors{vault: v, marks: marks, lim: lim, issuer: issuer, now: time.Now}
}

// Enrolled reports whether login has a TOTP credential.
func (f *Factors) Enrolled(ctx context.Context, login string) (bool, error) {
	cs, err := f.vault.List(ctx, login)
	if err != nil {
		return false, err
	}
	for _, c := range cs {
		if c.Kind == credentials.KindTOTP {
			return true, nil
		}
	}
	return false, nil
}

// Enrolment is a TOTP secret offered to a staff member, not yet stored:
// the first right code confirms it.
type Enrolment struct {
	Secret string // base32, shown as text
	URL    string // otpauth:// URL
	QR     string // data: URL of the QR code (PNG), rendered here
	// Token carries the secret, sealed for this login, to the confirming
	// POST (nothing is stored before the code proves the app has it).
	Token string
}

// enrolFor bounds the time between showing the QR code and confirming.
const enrolFor = 15 * time.Minute

// Begin offers a new secret to login.
func (f *Factors) Begin(login string) (Enrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: f.issuer, AccountName: login, Period: period, Digits: digits, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return Enrolment{}, err
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return Enrolment{}, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Enrolment{}, err
	}
	tok, err := f.vault.SealValue(login, "enrol", fmt.Appendf(nil, "%d|%s", f.now().Add(enrolFor).Unix(), key.Secret()))
	if err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Secret: key.Secret(), URL: key.URL(), Token: tok,
		QR: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())}, nil
}

// Confirm checks the first code against the offered secret and stores
// the TOTP credential with RecoveryCodes fresh recovery codes, returned
// once in clear (only their hashes are kept). Any earlier factor of the
// login is replaced.
func (f *Factors) Confirm(ctx context.Context, login, token, code string) ([]string, error) {
	if err := f.check(ctx, login); err != nil {
		return nil, err
	}
	raw, err := f.vault.OpenValue(login, "enrol", token)
	if err != nil {
		return nil, ErrEnrolExpired
	}
	exp, secret, ok := strings.Cut(string(raw), "|")
	var until int64
	if _, err := fmt.Sscan(exp, &until); !ok || err != nil || f.now().Unix() > until {
		return nil, ErrEnrolExpired
	}
	step, ok := matchStep(secret, normalizeCode(code), f.now())
	if !ok {
		f.hit(ctx, login)
		return nil, ErrWrongCode
	}
	if err := f.vault.DeleteAll(ctx, login); err != nil {
		return nil, err
	}
	if _, err := f.vault.Put(ctx, login, credentials.Credential{Kind: credentials.KindTOTP, Secret: []byte(secret), Counter: step}); err != nil {
		return nil, err
	}
	codes := make([]string, RecoveryCodes)
	for i := range codes {
		codes[i] = newRecoveryCode()
		h := sha256.Sum256([]byte(normalizeRecovery(codes[i])))
		if _, err := f.vault.Put(ctx, login, credentials.Credential{Kind: credentials.KindRecovery, Secret: h[:]}); err != nil {
			return nil, err
		}
	}
	return codes, nil
}

// Verify checks a TOTP code or a recovery code of login and returns the
// method used ("otp" or "recovery"). A TOTP code is accepted once (its
// time step must be later than the last one accepted, and the step is
// marked across replicas), a recovery code is deleted once used. Wrong
// codes count against regulation.StaffFactorPerAccount.
func (f *Factors) Verify(ctx context.Context, login, code string) (string, error) {
	if err := f.check(ctx, login); err != nil {
		return "", err
	}
	cs, err := f.vault.List(ctx, login)
	if err != nil {
		return "", err
	}
	var totpCred *credentials.Credential
	for i := range cs {
		if cs[i].Kind == credentials.KindTOTP {
			totpCred = &cs[i]
		}
	}
	if totpCred == nil {
		return "", ErrNotEnrolled
	}
	if c := normalizeCode(code); len(c) == int(digits) {
		step, ok := matchStep(string(totpCred.Secret), c, f.now())
		if !ok {
			f.hit(ctx, login)
			return "", ErrWrongCode
		}
		if step <= totpCred.Counter {
			return "", ErrReplayed
		}
		first, err := f.marks.PutNew(ctx, fmt.Sprintf("staff-totp:%x", sha256.Sum256(fmt.Appendf(nil, "%s\x00%d", login, step))), 1, 3*period*time.Second)
		if err != nil {
			return "", err
		}
		if !first {
			return "", ErrReplayed
		}
		totpCred.Counter, totpCred.LastUsed = step, f.now().UTC()
		if _, err := f.vault.Put(ctx, login, *totpCred); err != nil {
			return "", err
		}
		return "otp", nil
	}
	h := sha256.Sum256([]byte(normalizeRecovery(code)))
	for _, c := range cs {
		if c.Kind == credentials.KindRecovery && subtle.ConstantTimeCompare(c.Secret, h[:]) == 1 {
			if err := f.vault.Delete(ctx, login, c.ID); err != nil {
				return "", err
			}
			return "recovery", nil
		}
	}
	f.hit(ctx, login)
	return "", ErrWrongCode
}

// RecoveryLeft counts login's unused recovery codes.
func (f *Factors) RecoveryLeft(ctx context.Context, login string) (int, error) {
	cs, err := f.vault.List(ctx, login)
	n := 0
	for _, c := range cs {
		if c.Kind == credentials.KindRecovery {
			n++
		}
	}
	return n, err
}

// Reset removes every factor of login: the next sign-in enrols again.
func (f *Factors) Reset(ctx context.Context, login string) error {
	return f.vault.DeleteAll(ctx, login)
}

func (f *Factors) targets(login string) []regulation.Target {
	return []regulation.Target{{Rule: regulation.StaffFactorPerAccount, Key: strings.ToUpper(login)}}
}

func (f *Factors) check(ctx context.Context, login string) error {
	if f.lim == nil {
		return nil
	}
	return f.lim.CheckAll(ctx, f.targets(login)...)
}

func (f *Factors) hit(ctx context.Context, login string) {
	if f.lim != nil {
		_ = f.lim.HitAll(ctx, f.targets(login)...)
	}
}

// matchStep finds the time step within ±skew of now whose code is code,
// comparing every candidate in constant time.
func matchStep(secret, code string, now time.Time) (int64, bool) {
	if len(code) != int(digits) {
		return 0, false
	}
	cur := now.Unix() / period
	var found int64
	ok := 0
	for d := int64(-skew); d <= skew; d++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix((cur+d)*period, 0),
			totp.ValidateOpts{Period: period, Digits: digits, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			found, ok = cur+d, 1
		}
	}
	return found, ok == 1
}

func normalizeCode(s string) string {
	return strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s))
}

// Recovery codes: 24 characters of Crockford base32 (120 bits), shown in
// six groups of four. At 112 bits or more a lookup secret may be stored
// as a plain SHA-256 (ASVS 5.0 V6.5.2): nobody can enumerate the space to
// reverse one, so no slow password hash is needed.
const (
	recoveryAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	recoveryChars    = 24 // × 5 bits = 120 bits
)

func newRecoveryCode() string {
	var b [recoveryChars]byte
	_, _ = rand.Read(b[:]) // 256 is a multiple of 32: no bias below
	var out strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			out.WriteByte('-')
		}
		out.WriteByte(recoveryAlphabet[int(c)%len(recoveryAlphabet)])
	}
	return out.String()
}

func normalizeRecovery(s string) string {
	return strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s)))
}
