package ldapdir

import (
	"crypto/sha1" //nolint:gosec // {SHA}/{SSHA} are what the directory stores; we only compare
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"hash"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Limits on argon2 parameters read from the directory: a value is data,
// and a corrupt or hostile one must not make Seuil allocate gigabytes.
const (
	maxArgonMemoryKiB = 1 << 18 // 256 MiB
	maxArgonTime      = 32
	maxArgonKeyLen    = 128
)

// hashMatches reports whether password hashes to stored, an LDAP
// "{SCHEME}value" as found in userPassword or pwdHistory. known is false
// when the scheme cannot be verified here ({CRYPT}, unknown, malformed):
// the caller skips it. Digests are compared in constant time.
func hashMatches(stored, password string) (match, known bool) {
	stored = cutNUL(stored)
	if !strings.HasPrefix(stored, "{") {
		return false, false
	}
	end := strings.IndexByte(stored, '}')
	if end < 0 {
		return false, false
	}
	scheme, value := strings.ToUpper(stored[1:end]), stored[end+1:]
	switch scheme {
	case "ARGON2":
		return argon2Matches(value, password)
	case "SHA":
		return saltedMatches(value, password, sha1.New, sha1.Size, false)
	case "SSHA":
		return saltedMatches(value, password, sha1.New, sha1.Size, true)
	case "SSHA256":
		return saltedMatches(value, password, sha256.New, sha256.Size, true)
	case "SSHA512":
		return saltedMatches(value, password, sha512.New, sha512.Size, true)
	}
	return false, false
}

// cutNUL drops what follows the first NUL: Debian's slapd stores the
// argon2 values it hashes with a trailing NUL and a junk byte.
func cutNUL(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// saltedMatches checks base64(H(password+salt)+salt), the {SSHA*} layout
// (salted false: base64(H(password)), {SHA}).
func saltedMatches(value, password string, h func() hash.Hash, size int, salted bool) (match, known bool) {
	raw, err := base64.StdEncoding.DecodeString(value)
	if err != nil || len(raw) < size || (!salted && len(raw) != size) {
		return false, false
	}
	digest, salt := raw[:size], raw[size:]
	m := h()
	m.Write([]byte(password))
	m.Write(salt)
	return subtle.ConstantTimeCompare(m.Sum(nil), digest) == 1, true
}

// argon2Matches checks a PHC string, "$argon2id$v=19$m=…,t=…,p=…$salt$hash"
// (argon2i too, what slapd's module writes), salt and hash unpadded base64.
func argon2Matches(value, password string) (match, known bool) {
	p, err := parseArgon2(value)
	if err != nil {
		return false, false
	}
	var got []byte
	if p.variant == "argon2id" {
		got = argon2.IDKey([]byte(password), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	} else {
		got = argon2.Key([]byte(password), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	}
	return subtle.ConstantTimeCompare(got, p.key) == 1, true
}

type argon2Params struct {
	variant      string
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

// parseArgon2 reads a PHC argon2 string; only version 19 (what
// x/crypto/argon2 implements) and bounded parameters are accepted.
func parseArgon2(s string) (argon2Params, error) {
	var p argon2Params
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return p, fmt.Errorf("argon2: %d fields", len(parts))
	}
	p.variant = parts[1]
	if p.variant != "argon2i" && p.variant != "argon2id" {
		return p, fmt.Errorf("argon2: variant %q", p.variant)
	}
	if parts[2] != "v=19" {
		return p, fmt.Errorf("argon2: version %q", parts[2])
	}
	var threads uint32
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &threads); err != nil || n != 3 ||
		fmt.Sprintf("m=%d,t=%d,p=%d", p.memory, p.time, threads) != parts[3] {
		return p, fmt.Errorf("argon2: parameters %q", parts[3])
	}
	if p.time < 1 || p.time > maxArgonTime || threads < 1 || threads > 255 ||
		p.memory < 8*threads || p.memory > maxArgonMemoryKiB {
		return p, fmt.Errorf("argon2: parameters %q out of bounds", parts[3])
	}
	p.threads = uint8(threads)
	var err error
	if p.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil || len(p.salt) < 8 {
		return p, fmt.Errorf("argon2: salt: %v", err)
	}
	if p.key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(p.key) < 4 || len(p.key) > maxArgonKeyLen {
		return p, fmt.Errorf("argon2: hash: %v", err)
	}
	return p, nil
}
