package console

import (
	"net/http"

	"github.com/seuil-idp/seuil/idp/students"
)

// skippedPage lists the rows of the student source's last load that were
// left out: each is a student turned away at step 1 as a mismatch until
// the extraction is fixed, so the helpdesk and the admins see them here
// rather than in the server's log.
type skippedPage struct {
	Rows  []students.SkippedRow
	Total int
	Kept  bool // the source reports its skipped rows at all
}

func (c *Console) skippedView(w http.ResponseWriter, r *http.Request, m *member) {
	p := skippedPage{Kept: c.d.Skipped != nil}
	if p.Kept {
		p.Rows, p.Total = c.d.Skipped()
	}
	c.render(w, r, m, http.StatusOK, "admin_skipped", "admin.skipped.title", view{Current: "skipped", Page: p})
}

func (c *Console) skippedCount() int {
	if c.d.Skipped == nil {
		return 0
	}
	_, n := c.d.Skipped()
	return n
}
