package ldapdir

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/seuil-idp/seuil/idp/directory"
)

// HistoryCheck says whether Seuil checks password history itself.
type HistoryCheck string

const (
	// HistoryAuto (the default) compares a new password with the entry's
	// readable userPassword and pwdHistory hashes before writing it.
	// ppolicy still applies on top; this covers the setups where it does
	// not (a service account with manage access is a password
	// administrator, to which ppolicy does not apply history).
	HistoryAuto HistoryCheck = "auto"
	// HistoryOff leaves history to the directory alone.
	HistoryOff HistoryCheck = "off"
)

// historyAttrs are read, with the account, before setting a password.
// pwdHistory is operational: it must be asked for by name.
var historyAttrs = []string{"userPassword", "pwdHistory"}

// historyValue extracts the stored "{SCHEME}hash" from a pwdHistory value,
// "time#syntaxOID#length#value" (RFC draft behera-ldap-password-policy).
// The length (in bytes) bounds the value; Debian's argon2 values carry a
// trailing NUL and a junk byte even inside it, which hashMatches cuts.
func historyValue(v string) (string, bool) {
	parts := strings.SplitN(v, "#", 4)
	if len(parts) != 4 {
		return "", false
	}
	n, err := strconv.Atoi(parts[2])
	if err != nil || n < 0 {
		return "", false
	}
	value := parts[3]
	if n < len(value) {
		value = value[:n]
	}
	return value, true
}

// checkHistory returns ErrPasswordInHistory when password matches the
// entry's current password or one in its pwdHistory. Hashes that cannot
// be verified here ({CRYPT}, unknown schemes) are skipped and counted.
func (d *Dir) checkHistory(ctx context.Context, e *ldap.Entry, password string) error {
	if d.cfg.HistoryCheck == HistoryOff {
		return nil
	}
	stored := e.GetAttributeValues("userPassword")
	for _, v := range e.GetAttributeValues("pwdHistory") {
		if h, ok := historyValue(v); ok {
			stored = append(stored, h)
		}
	}
	skipped := 0
	for _, h := range stored {
		match, known := hashMatches(h, password)
		if match {
			return fmt.Errorf("%w (checked by Seuil)", directory.ErrPasswordInHistory)
		}
		if !known {
			skipped++
		}
	}
	switch {
	case skipped > 0:
		d.cfg.Logger.DebugContext(ctx, "ldap: history: hashes of an unverifiable scheme skipped",
			"dn", e.DN, "skipped", skipped, "checked", len(stored)-skipped)
	case len(stored) == 0 && e.GetAttributeValue("pwdChangedTime") != "":
		// A password is set but the service account cannot read it: only
		// ppolicy checks history for this entry.
		d.cfg.Logger.DebugContext(ctx, "ldap: history: userPassword and pwdHistory not readable", "dn", e.DN)
	}
	return nil
}

// warnHistoryPolicy reads the policies Seuil's accounts fall under and
// warns when they keep no history: ppolicy then neither records nor
// enforces it, and Seuil cannot check what is not recorded. Production
// needs pwdInHistory ≥ 1. An unreadable policy is only logged at debug.
func (d *Dir) warnHistoryPolicy(ctx context.Context) {
	for _, dn := range []string{d.cfg.DefaultPolicyDN, d.cfg.PolicyDN} {
		if dn == "" {
			continue
		}
		e, err := d.policyEntry(ctx, d.write, dn, "pwdInHistory")
		if err != nil || e == nil {
			d.cfg.Logger.DebugContext(ctx, "ldap: password policy not readable", "policy", dn, "err", err)
			continue
		}
		if n, _ := strconv.Atoi(e.GetAttributeValue("pwdInHistory")); n < 1 {
			d.cfg.Logger.WarnContext(ctx, "ldap: password policy keeps no history (pwdInHistory 0 or absent): "+
				"old passwords can be reused; set pwdInHistory ≥ 1", "policy", dn)
		}
	}
}
