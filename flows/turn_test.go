package flows_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/flows"
	"github.com/seuil-idp/seuil/idp/regulation"
	"github.com/seuil-idp/seuil/idp/students"
)

// countingSource counts lookups, each slow enough that parallel requests
// overlap as they would against a real student database.
type countingSource struct {
	students.Source
	n atomic.Int32
}

func (c *countingSource) Lookup(ctx context.Context, id string) (students.Record, error) {
	c.n.Add(1)
	time.Sleep(20 * time.Millisecond)
	return c.Source.Lookup(ctx, id)
}

// parallelMismatches opens one flow per form (a browser each), then posts
// every form at once; it returns how many lookups the posts made.
func parallelMismatches(t *testing.T, forms []func() map[string][]string) int32 {
	t.Helper()
	src := &countingSource{Source: mapSource{camille.StudentID: camille}}
	e := newEnv(t, func(_ *flows.Config, d *flows.Deps) { d.Students = src })
	bs := make([]*browser, len(forms))
	for i := range bs {
		bs[i] = e.browser(t)
		must(t, bs[i].follow("/activation"), http.StatusOK)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, b := range bs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if r := b.post("/activation/identify", forms[i]()); r.status != http.StatusUnprocessableEntity &&
				r.status != http.StatusTooManyRequests {
				t.Errorf("status %d", r.status)
			}
		}()
	}
	close(start)
	wg.Wait()
	return src.n.Load()
}

// Parallel identify mismatches for one student from many browsers all
// passed identify_per_student before any was counted; they now take
// turns, and no more than the burst (5) reach the student lookup.
func TestParallelMismatchesPerStudent(t *testing.T) {
	t.Parallel()
	forms := make([]func() map[string][]string, 12)
	for i := range forms {
		forms[i] = func() map[string][]string { return identifyForm("22012345", "987654321AB", "0788102599") }
	}
	if n := parallelMismatches(t, forms); n > 5 {
		t.Fatalf("%d lookups for one student, want at most the burst of 5", n)
	}
}

// Parallel mismatches for many students from one address: at most the
// burst of identify_per_ip (10) plus the address's other slots reach the
// lookup.
func TestParallelMismatchesPerIP(t *testing.T) {
	t.Parallel()
	forms := make([]func() map[string][]string, 24)
	for i := range forms {
		forms[i] = func() map[string][]string {
			return identifyForm(fmt.Sprintf("2901%04d", i), "987654321AB", "0788102599")
		}
	}
	if n := parallelMismatches(t, forms); n > 10+3 {
		t.Fatalf("%d lookups from one address, want at most 13", n)
	}
}

// Parallel wrong codes for one student from several flows all passed
// code_verify_per_student before any was counted; now no more than its
// burst (here 2) are judged, the others refused before judging.
func TestParallelWrongCodesPerStudent(t *testing.T) {
	t.Parallel()
	var judged atomic.Int32
	e := newEnv(t, func(_ *flows.Config, d *flows.Deps) {
		reg, err := regulation.New(d.Store.Client(), "t:", regulation.Rules{
			regulation.CodeVerifyPerStudent: {Rate: 2, Per: time.Hour, Burst: 2}}, []byte("0123456789abcdef"))
		if err != nil {
			t.Fatal(err)
		}
		d.Regulator = hookedRegulator{Regulator: reg, rule: regulation.CodeVerifyPerStudent,
			onHit: func() { judged.Add(1); time.Sleep(20 * time.Millisecond) }}
	})
	bs := make([]*browser, 5)
	for i := range bs {
		bs[i] = e.browser(t)
		bs[i].follow("/activation")
		must(t, bs[i].submit("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599")), 200)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, b := range bs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			b.post("/activation/verify", url.Values{"code": {"00000000"}}) // 8 digits: never the 6-digit code
		}()
	}
	close(start)
	wg.Wait()
	if n := judged.Load(); n > 2 {
		t.Fatalf("%d wrong codes judged, want at most the burst of 2", n)
	}
}
