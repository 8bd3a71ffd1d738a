package embedded

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// DefaultParams follow OWASP's first argon2id choice (19 MiB, 2 passes, 1
// lane): about 40 ms per hash on an idle 2-core machine (see
// BenchmarkHash), so a login stays near 50 ms. Hashes carry their own
// parameters: raising these later keeps older hashes verifiable.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
)

var b64 = base64.RawStdEncoding

// hash returns password's argon2id hash in the PHC string format:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>.
func hash(password string, p Params) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errHashFormat = errors.New("embedded: not an argon2id PHC string")

// parseHash reads a PHC string made by hash. Limits keep a tampered file
// from making a verification allocate gigabytes.
func parseHash(s string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errHashFormat
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, errHashFormat
	}
	var extra string
	n, _ := fmt.Sscanf(parts[3]+"|", "m=%d,t=%d,p=%d%s", &p.Memory, &p.Time, &p.Threads, &extra)
	if n != 4 || extra != "|" || p.Memory < 8 || p.Memory > 1<<20 || p.Time < 1 || p.Time > 32 || p.Threads < 1 {
		return p, nil, nil, errHashFormat
	}
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, errHashFormat
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, errHashFormat
	}
	return p, salt, key, nil
}

// verify reports whether password matches the PHC string, comparing in
// constant time.
func verify(password, phc string) bool {
	p, salt, key, err := parseHash(phc)
	if err != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}
