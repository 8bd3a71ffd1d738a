package themes

import "testing"

func TestLinksInOrderWithURL(t *testing.T) {
	tr := Translator{msgs: map[string]string{"x.1.label": "A", "x.1.url": "/a", "x.3.label": "C", "x.3.url": "/c", "x.2.label": "no url"}}
	if got := tr.Links("x"); len(got) != 2 || got[0].URL != "/a" || got[1].URL != "/c" {
		t.Errorf("Links = %+v", got)
	}
}
