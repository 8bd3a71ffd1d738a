package embedded

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/seuil-idp/seuil/idp/directory"
)

// FindBy returns the accounts (at most 10) whose INE, e-mail or mobile
// equals value exactly (e-mail in any case).
func (d *Dir) FindBy(ctx context.Context, field, value string) ([]directory.Account, error) {
	get := map[string]func(*entry) string{
		directory.FieldINE:    func(e *entry) string { return e.INE },
		directory.FieldEmail:  func(e *entry) string { return strings.ToLower(e.Email) },
		directory.FieldMobile: func(e *entry) string { return e.Mobile },
	}[field]
	if get == nil || value == "" {
		return nil, fmt.Errorf("embedded: cannot search by %q", field)
	}
	if field == directory.FieldEmail {
		value = strings.ToLower(value)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []directory.Account
	for _, e := range d.byLogin {
		if get(e) == value {
			out = append(out, d.account(e))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Login < out[j].Login })
	if len(out) > 10 {
		out = out[:10]
	}
	return out, nil
}
