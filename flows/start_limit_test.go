package flows_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/flows"
	"github.com/seuil-idp/seuil/idp/regulation"
)

// TestFlowStartsPerAddressAreBounded checks that one address cannot make
// the server store flows without bound, and that a resumed flow is not a
// new one.
func TestFlowStartsPerAddressAreBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(_ *flows.Config, d *flows.Deps) {
		reg, err := regulation.New(d.Store.Client(), "limits-start:", regulation.Rules{
			regulation.FlowStartPerIP: {Rate: 3, Per: time.Hour, Burst: 3}}.WithDefaults(),
			[]byte("0123456789abcdef0123456789abcdef"))
		if err != nil {
			t.Fatal(err)
		}
		d.Regulator = reg
	})
	b := e.browser(t)
	must(t, b.follow("/activation"), http.StatusOK, "Numéro étudiant")
	// Resuming the browser's own flow stores nothing new.
	for i := 0; i < 5; i++ {
		must(t, b.follow("/activation"), http.StatusOK, "Numéro étudiant")
	}
	for i := 0; i < 2; i++ {
		must(t, e.browser(t).follow("/activation"), http.StatusOK, "Numéro étudiant")
	}
	must(t, e.browser(t).follow("/activation"), http.StatusTooManyRequests, "Trop de tentatives")
}
