package themes

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

// Drafts are found by name, for their previews and static files, but
// are neither listed nor a theme a flow may name; a new set keeps them,
// and only the latest few are kept.
func TestRegistryDrafts(t *testing.T) {
	def, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	r := NewRegistry(map[string]*Theme{"default": def})
	var drafts []*Theme
	for i := range maxDrafts + 2 {
		d := *def
		d.Name = fmt.Sprintf("%s%012d", DraftPrefix, i)
		drafts = append(drafts, &d)
		r.AddDraft(&d)
	}
	if r.Get(drafts[0].Name) != nil || r.Get(drafts[1].Name) != nil || r.Get(drafts[2].Name) == nil {
		t.Errorf("kept drafts: want the latest %d", maxDrafts)
	}
	last := drafts[len(drafts)-1].Name
	if r.Has(last) || !r.Has("default") || !slices.Equal(r.Names(), []string{"default"}) || len(r.All()) != 1 {
		t.Errorf("a draft is in service: Has %v, Names %v", r.Has(last), r.Names())
	}
	child := *def
	child.Name = "poitiers"
	r.Set(map[string]*Theme{"default": def, "poitiers": &child})
	if r.Get(last) == nil || !r.Has("poitiers") {
		t.Error("a new set lost the drafts or its theme")
	}
	var nilReg *Registry
	if nilReg.Get("default") != nil || nilReg.Has("default") || len(nilReg.All()) != 0 {
		t.Error("a nil registry holds something")
	}
}

// A reload and drafts at the same time do not undo each other, and
// readers meanwhile always see a whole set (run with -race).
func TestRegistryConcurrent(t *testing.T) {
	def, _ := Default()
	r := NewRegistry(map[string]*Theme{"default": def})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(3)
		go func() {
			defer wg.Done()
			d := *def
			d.Name = fmt.Sprintf("%s%012d", DraftPrefix, i%maxDrafts)
			r.AddDraft(&d)
		}()
		go func() {
			defer wg.Done()
			c := *def
			c.Name = "poitiers"
			r.Set(map[string]*Theme{"default": def, "poitiers": &c})
		}()
		go func() {
			defer wg.Done()
			if r.Get("default") == nil {
				t.Error("a reader saw a set without the default theme")
			}
		}()
	}
	wg.Wait()
	if !r.Has("poitiers") || r.Get(fmt.Sprintf("%s%012d", DraftPrefix, 0)) == nil {
		t.Errorf("lost an update: themes %v, a draft %v", r.Names(), r.Get(DraftPrefix+"000000000000") != nil)
	}
}
