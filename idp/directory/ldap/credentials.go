package ldapdir

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/seuil-idp/seuil/idp/credentials"
)

// Sealed credentials live on the account's entry, in the multi-valued
// seuilCredential attribute of the auxiliary class seuilCredentialHolder
// (schema/seuil.schema), one value per credential: "<id>$<base64>".
// Each value is added and deleted on its own, so concurrent writers never
// overwrite each other's credentials.
const (
	credentialAttr  = "seuilCredential"
	credentialClass = "seuilCredentialHolder"
)

var _ credentials.Backend = (*Dir)(nil)

// credentialEntry reads the entry on the provider (read-your-writes:
// an enrolment is checked right after it is stored).
func (d *Dir) credentialEntry(ctx context.Context, login string) (*ldap.Entry, error) {
	e, err := d.searchOne(ctx, d.write, d.cfg.Attributes.Login, login, credentialAttr, "objectClass")
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, credentials.ErrNoAccount
	}
	return e, nil
}

func splitCredential(v string) (id string, blob []byte, ok bool) {
	id, enc, ok := strings.Cut(v, "$")
	if !ok {
		return "", nil, false
	}
	blob, err := base64.StdEncoding.DecodeString(enc)
	return id, blob, err == nil
}

// Blobs returns the account's sealed credentials.
func (d *Dir) Blobs(ctx context.Context, login string) (map[string][]byte, error) {
	e, err := d.credentialEntry(ctx, login)
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, v := range e.GetAttributeValues(credentialAttr) {
		if id, blob, ok := splitCredential(v); ok {
			out[id] = blob
		}
	}
	return out, nil
}

// PutBlob adds or replaces one credential value.
func (d *Dir) PutBlob(ctx context.Context, login, id string, blob []byte) error {
	return d.modifyCredential(ctx, login, id, func(req *ldap.ModifyRequest) {
		req.Add(credentialAttr, []string{id + "$" + base64.StdEncoding.EncodeToString(blob)})
	})
}

// DeleteBlob removes one credential value.
func (d *Dir) DeleteBlob(ctx context.Context, login, id string) error {
	return d.modifyCredential(ctx, login, id, nil)
}

// modifyCredential deletes the values of id (read just before) and adds
// what add adds, in one modify. A writer racing on the same entry makes
// it fail with noSuchAttribute or attributeOrValueExists; it then reads
// again and retries.
func (d *Dir) modifyCredential(ctx context.Context, login, id string, add func(*ldap.ModifyRequest)) error {
	var err error
	for range 5 {
		var e *ldap.Entry
		if e, err = d.credentialEntry(ctx, login); err != nil {
			return err
		}
		req := ldap.NewModifyRequest(e.DN, nil)
		var old []string
		for _, v := range e.GetAttributeValues(credentialAttr) {
			if vid, _, _ := strings.Cut(v, "$"); vid == id {
				old = append(old, v)
			}
		}
		if len(old) > 0 {
			req.Delete(credentialAttr, old)
		}
		if add != nil {
			if !slices.ContainsFunc(e.GetAttributeValues("objectClass"), func(c string) bool { return strings.EqualFold(c, credentialClass) }) {
				req.Add("objectClass", []string{credentialClass})
			}
			add(req)
		}
		if len(req.Changes) == 0 {
			return nil
		}
		err = d.write.do(ctx, func(c *ldap.Conn) error { return c.Modify(req) })
		if err == nil {
			return nil
		}
		if !ldap.IsErrorAnyOf(err, ldap.LDAPResultNoSuchAttribute, ldap.LDAPResultAttributeOrValueExists) {
			break
		}
	}
	return fmt.Errorf("ldap: credentials of %s: %w", login, err)
}

// Memberships returns the account's eduPersonEntitlement values and the
// groups among candidates (DNs of groupOfNames or groupOfUniqueNames)
// whose members include it, for staff roles. Each candidate is read with
// a base search filtered on the member's DN (escaped), so that no
// memberOf overlay is needed.
func (d *Dir) Memberships(ctx context.Context, login string, candidates []string) (entitlements, groups []string, err error) {
	e, err := d.searchOne(ctx, d.read, d.cfg.Attributes.Login, login, "eduPersonEntitlement")
	if err != nil || e == nil {
		return nil, nil, err
	}
	entitlements = e.GetAttributeValues("eduPersonEntitlement")
	dn := ldap.EscapeFilter(e.DN)
	for _, g := range candidates {
		req := ldap.NewSearchRequest(g, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1,
			int(d.cfg.OpTimeout.Seconds()), false,
			fmt.Sprintf("(|(member=%s)(uniqueMember=%s))", dn, dn), []string{"1.1"}, nil)
		var res *ldap.SearchResult
		err := d.read.do(ctx, func(c *ldap.Conn) (err error) { res, err = c.Search(req); return err })
		if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("ldap: group %s: %w", g, err)
		}
		if len(res.Entries) > 0 {
			groups = append(groups, g)
		}
	}
	return entitlements, groups, nil
}
