package console

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

type fakeCatalogue struct{}

func (fakeCatalogue) Flows() []FlowInfo {
	return []FlowInfo{
		{Name: "activation", Entry: "direct", Theme: "univ", TTL: time.Hour, Steps: []string{"identify", "verify", "password", "done"},
			Source: "/etc/seuil/flows/activation.yaml", Version: "0a1b2c3d4e5f"},
		{Name: "expired", Entry: "handover", Theme: "default", TTL: 30 * time.Minute, Steps: []string{"password", "done"},
			Source: "embedded", Version: "ffeeddccbbaa"},
	}
}

func (fakeCatalogue) Themes() []ThemeInfo {
	return []ThemeInfo{{Name: "default", Source: "embedded", Version: "111111111111"},
		{Name: "univ", Parent: "default", Source: "/etc/seuil/themes/univ", Version: "222222222222"}}
}

// The flows and themes page lists what runs, where each came from and
// its version, links each theme's previews, and says the files rule:
// nothing on it changes them.
func TestCataloguePage(t *testing.T) {
	t.Parallel()
	c := testConsole(t, Deps{Catalogue: fakeCatalogue{}, FlowsDir: "/etc/seuil/flows", ThemesDir: "/etc/seuil/themes",
		PreviewPath: "/seuil/preview"})
	w := httptest.NewRecorder()
	c.catalogueView(w, httptest.NewRequest("GET", "/admin/flows", nil), nil)
	body := strings.ReplaceAll(w.Body.String(), "&#39;", "'")
	for _, want := range []string{
		`<th scope="row"><a href="/admin/flows/edit?name=activation">activation</a></th><td>identify, verify, password, done</td><td>directe</td><td>1 h</td><td>univ</td><td><code>/etc/seuil/flows/activation.yaml</code></td><td><code>0a1b2c3d4e5f</code></td>`,
		`<th scope="row"><a href="/admin/flows/edit?name=expired">expired</a></th><td>password, done</td><td>depuis la page de connexion</td>`, "livré avec Seuil",
		`<th scope="row">univ</th><td>default</td><td><code>/etc/seuil/themes/univ</code></td><td><code>222222222222</code></td>`,
		`href="/seuil/preview?theme=univ&amp;lang=en"`,
		"les parcours viennent des fichiers de /etc/seuil/flows et les thèmes de /etc/seuil/themes",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, `method="post"`) {
		t.Error("the page offers a form: it must change nothing")
	}
}
