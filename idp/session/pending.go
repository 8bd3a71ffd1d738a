package session

import (
	"context"
	"time"

	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/idp/websec"
)

// Pending is an authorization request waiting for the user to sign in
// (or to finish a self-service flow): the provider stores it and resumes
// it from its query once a session exists.
type Pending struct {
	Query       string    `json:"query"`
	RequestedAt time.Time `json:"requested_at"`
	ClientID    string    `json:"client_id"`
	LoginHint   string    `json:"login_hint,omitempty"`
	Lang        string    `json:"lang,omitempty"`
}

// PendingTTL is how long a pending authorization request waits; the
// activation flow (identify, code by SMS, password) must fit in it.
const PendingTTL = 30 * time.Minute

func pendingKey(id string) string { return "authz:" + id }

// PutPending stores p and returns its new random ID.
func (m *Manager) PutPending(ctx context.Context, p Pending) (string, error) {
	id := websec.Token()
	return id, m.st.Put(ctx, pendingKey(id), p, PendingTTL)
}

// GetPending returns the pending request with that ID.
func (m *Manager) GetPending(ctx context.Context, id string) (Pending, error) {
	var p Pending
	err := m.st.Get(ctx, pendingKey(id), &p)
	return p, err
}

// DeletePending removes a pending request once answered.
func (m *Manager) DeletePending(ctx context.Context, id string) error {
	return m.st.Delete(ctx, pendingKey(id))
}

// DeletePendingIn queues DeletePending in b, to go with other writes.
func DeletePendingIn(b *state.Batch, id string) { b.Delete(pendingKey(id)) }
