package state

import (
	"context"
	"time"
)

// Handover is how the OIDC provider hands a browser to a self-service flow
// and back, without either package importing the other: the provider stores
// a Handover under a random ticket and redirects to "/<flow>?handover=<ticket>";
// the flow takes it (once) and, when done, sends the browser to Continue.
type Handover struct {
	Flow     string `json:"flow"`                // "activation", "reset", "expired"
	Continue string `json:"continue"`            // local path to resume, e.g. the pending authorization
	ClientID string `json:"client_id,omitempty"` // relying party the user came from (theme, landing)
	// Login is set when the user is already identified, e.g. the login
	// page found the password right but expired (the "expired" flow).
	Login string `json:"login,omitempty"`
	Lang  string `json:"lang,omitempty"`
	// Theme is the relying party's theme, which the flow shows instead of
	// its own (empty: the flow's).
	Theme string `json:"theme,omitempty"`
	// Binding, when set, ties the ticket to the browser it was made for:
	// the same random value is in that browser's HandoverCookie, and the
	// flow refuses the ticket from any other browser (so that a link to
	// one's own expired account cannot be sent to someone else).
	Binding string `json:"binding,omitempty"`
}

// HandoverCookie is the base name of the cookie holding a ticket's Binding
// (websec.Cookies adds "__Host-" over HTTPS).
const HandoverCookie = "seuil_handover"

// HandoverTTL is how long a handover ticket may wait to be used.
const HandoverTTL = 10 * time.Minute

// PutHandover stores h under ticket.
func (s *Store) PutHandover(ctx context.Context, ticket string, h Handover) error {
	return s.Put(ctx, OpaqueKey("handover:", ticket), h, HandoverTTL)
}

// TakeHandover returns and deletes the handover under ticket (single use).
func (s *Store) TakeHandover(ctx context.Context, ticket string) (Handover, error) {
	var h Handover
	err := s.Take(ctx, OpaqueKey("handover:", ticket), &h)
	return h, err
}
