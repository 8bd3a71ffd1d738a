package state

import (
	"crypto/sha256"
	"encoding/hex"
)

// OpaqueKey names a record kept under a bearer secret (a cookie, a
// ticket): prefix and the secret's SHA-256. Whoever reads the store's
// keys (a replica, a backup, an RDB file) learns no secret that a
// browser could present; the secrets are 256-bit random, so an unkeyed
// hash cannot be reversed.
func OpaqueKey(prefix, secret string) string {
	h := sha256.Sum256([]byte(secret))
	return prefix + hex.EncodeToString(h[:])
}
