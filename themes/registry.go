package themes

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Registry holds the themes in service by name. The pages read it on
// every request while the console may swap a new set in (an admin
// activated a theme, on this replica or another): readers always see a
// whole set, never one being changed.
//
// It also holds drafts, themes being previewed before they run, under
// names starting with DraftPrefix: Get finds them, so that a preview
// renders with one and its static files are served, but Names and All
// leave them out, so that no flow or relying party can be given one.
type Registry struct {
	set atomic.Pointer[map[string]*Theme]

	mu     sync.Mutex
	drafts []*Theme // oldest first, at most maxDrafts
}

// DraftPrefix begins a draft's name.
const DraftPrefix = "draft-"

// maxDrafts bounds the drafts kept for previews (each is a few hundred
// kB of parsed templates).
const maxDrafts = 8

// NewRegistry returns a registry serving set.
func NewRegistry(set map[string]*Theme) *Registry {
	r := &Registry{}
	r.Set(set)
	return r
}

// Set swaps in a new set of themes; r keeps its own copy.
func (r *Registry) Set(set map[string]*Theme) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.store(set)
}

// store publishes set and the drafts; r.mu is held, so that a reload and
// a draft added at the same time do not undo each other.
func (r *Registry) store(set map[string]*Theme) {
	c := make(map[string]*Theme, len(set)+len(r.drafts))
	for n, t := range set {
		if !strings.HasPrefix(n, DraftPrefix) {
			c[n] = t
		}
	}
	for _, d := range r.drafts {
		c[d.Name] = d
	}
	r.set.Store(&c)
}

// Get returns theme name, a draft included, or nil.
func (r *Registry) Get(name string) *Theme {
	if r == nil {
		return nil
	}
	if p := r.set.Load(); p != nil {
		return (*p)[name]
	}
	return nil
}

// Has reports whether name is a theme in service (not a draft): what a
// flow or a relying party may name.
func (r *Registry) Has(name string) bool {
	return !strings.HasPrefix(name, DraftPrefix) && r.Get(name) != nil
}

// All returns the themes in service by name, drafts left out. The map
// is the caller's.
func (r *Registry) All() map[string]*Theme {
	out := map[string]*Theme{}
	if r == nil {
		return out
	}
	if p := r.set.Load(); p != nil {
		for n, t := range *p {
			if !strings.HasPrefix(n, DraftPrefix) {
				out[n] = t
			}
		}
	}
	return out
}

// Names lists the themes in service, sorted, drafts left out.
func (r *Registry) Names() []string { return slices.Sorted(maps.Keys(r.All())) }

// AddDraft makes t, named DraftPrefix+id, available to Get for its
// previews, forgetting the oldest draft beyond maxDrafts.
func (r *Registry) AddDraft(t *Theme) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.drafts = slices.DeleteFunc(r.drafts, func(d *Theme) bool { return d.Name == t.Name })
	r.drafts = append(r.drafts, t)
	if len(r.drafts) > maxDrafts {
		r.drafts = r.drafts[len(r.drafts)-maxDrafts:]
	}
	r.store(r.All())
}
