package regulation

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
)

// hashKey turns what a rule counts (an IP address, a phone number, a student
// number) into an opaque Redis key. It is keyed with the server secret:
// French mobile numbers are few enough (~2·10⁸) that a plain hash would be
// reversed in seconds by anyone holding a Redis dump.
func (r *Regulator) hashKey(rule Rule, key string) string {
	m := hmac.New(sha256.New, r.secret)
	m.Write([]byte(rule))
	m.Write([]byte{0})
	m.Write([]byte(key))
	// 128 bits: collisions are negligible and keys stay short.
	return r.prefix + string(rule) + ":" + hex.EncodeToString(m.Sum(nil)[:16])
}

// PairKey is the key of a rule that counts (something, address): an
// account or a student number from one client address.
func PairKey(key, ip string) string { return key + "\x00" + IPKey(ip) }

// IPKey returns the key to count a client address under. An IPv6 client
// usually holds a whole /64 and can change address within it at will, so
// IPv6 addresses count per /64; IPv4 (and IPv4-mapped IPv6) addresses count
// as themselves. Text that is not an address is returned unchanged.
func IPKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}
