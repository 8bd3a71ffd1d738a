package flows

import (
	"encoding/json"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/seuil-idp/seuil/flows/flow"
	"github.com/seuil-idp/seuil/idp/websec"
)

// check serves a step's JSON check (the live password checklist). The
// token comes in the X-CSRF-Token header.
func (h *Handler) check(d *Definition) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		websec.NoStore(w)
		w.Header().Set("Content-Type", "application/json")
		f, ok := h.load(r, d)
		if !ok || !websec.Equal(r.Header.Get("X-CSRF-Token"), f.CSRF) {
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"error":"forbidden"}`))
			return
		}
		if d.Steps[f.Step].Name() != chi.URLParam(r, "step") {
			// The page is stale: the flow has moved on (a check typed just
			// before the form was sent). Nothing to check, and no error.
			w.WriteHeader(http.StatusNoContent)
			return
		}
		ck, ok := d.Steps[f.Step].(flow.Checker)
		if !ok || r.ParseForm() != nil {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"bad request"}`))
			return
		}
		x := h.exchange(w, r, d, f)
		x.Form = r.PostForm
		res, err := ck.Check(r.Context(), f, x)
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"error":"internal"}`))
			return
		}
		_ = json.NewEncoder(w).Encode(res)
	}
}
