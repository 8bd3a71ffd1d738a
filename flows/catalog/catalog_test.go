package catalog_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/flows/catalog"
	"github.com/seuil-idp/seuil/idp/state/redistest"
)

// Versions are kept once each, newest first; activating one makes it
// what Active gives and moves the generation, which Watch hears; an
// earlier version comes back the same way (a rollback).
func TestCatalog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := catalog.New(redistest.Client(t), "t:")
	v1, err := s.Save(ctx, "reset", catalog.Version{YAML: "name: reset\nttl: 20m\n", By: "admin", At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	v2, _ := s.Save(ctx, "reset", catalog.Version{YAML: "name: reset\nttl: 30m\n", By: "admin", At: time.Now()})
	if again, _ := s.Save(ctx, "reset", catalog.Version{YAML: "name: reset\nttl: 20m\n"}); again != v1 {
		t.Errorf("the same text saved twice: %s and %s", v1, again)
	}
	hist, active, err := s.History(ctx, "reset")
	if err != nil || len(hist) != 2 || hist[0].ID != v2 || hist[1].ID != v1 || active != "" {
		t.Fatalf("History = %+v, %q, %v", hist, active, err)
	}
	var heard atomic.Int32
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	go s.Watch(wctx, 20*time.Millisecond, func() { heard.Add(1) })
	time.Sleep(50 * time.Millisecond) // the watcher's baseline
	if prev, err := s.Activate(ctx, "reset", v2); err != nil || prev != "" {
		t.Fatalf("Activate = %q, %v", prev, err)
	}
	if a, _ := s.Active(ctx); string(a["reset"]) != "name: reset\nttl: 30m\n" {
		t.Errorf("Active = %q", a)
	}
	if prev, err := s.Activate(ctx, "reset", v1); err != nil || prev != v2 {
		t.Fatalf("rollback: %q, %v", prev, err)
	}
	if a, _ := s.Active(ctx); string(a["reset"]) != "name: reset\nttl: 20m\n" {
		t.Errorf("Active after the rollback = %q", a)
	}
	for deadline := time.Now().Add(2 * time.Second); heard.Load() == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the watcher never heard an activation")
		}
	}
	if _, err := s.Activate(ctx, "reset", "000000000000"); !errors.Is(err, catalog.ErrNoVersion) {
		t.Errorf("activating an unknown version: %v", err)
	}
}

// A draft is previewable by its id for an hour without being a version:
// History does not list it and it cannot be activated; Text reads a
// draft or a saved version alike.
func TestDrafts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redistest.Client(t)
	s := catalog.New(rdb, "t:")
	id, err := s.SaveDraft(ctx, "reset", "name: reset\nttl: 5m\n")
	if err != nil || id != catalog.IDOf("name: reset\nttl: 5m\n") {
		t.Fatalf("SaveDraft = %q, %v", id, err)
	}
	if text, err := s.Text(ctx, "reset", id); err != nil || text != "name: reset\nttl: 5m\n" {
		t.Errorf("Text(draft) = %q, %v", text, err)
	}
	if ttl := rdb.TTL(ctx, "t:catalog:flow:reset:draft:"+id).Val(); ttl <= 50*time.Minute || ttl > time.Hour {
		t.Errorf("the draft lives %v, want an hour", ttl)
	}
	if hist, _, _ := s.History(ctx, "reset"); len(hist) != 0 {
		t.Errorf("a draft is listed: %+v", hist)
	}
	if _, err := s.Activate(ctx, "reset", id); !errors.Is(err, catalog.ErrNoVersion) {
		t.Errorf("activating a draft: %v", err)
	}
	v, _ := s.Save(ctx, "reset", catalog.Version{YAML: "name: reset\nttl: 9m\n", By: "admin", At: time.Now()})
	if text, err := s.Text(ctx, "reset", v); err != nil || text != "name: reset\nttl: 9m\n" {
		t.Errorf("Text(version) = %q, %v", text, err)
	}
	if _, err := s.Text(ctx, "reset", "000000000000"); !errors.Is(err, catalog.ErrNoVersion) {
		t.Errorf("Text(unknown) = %v", err)
	}
	if _, err := s.Text(ctx, "other", id); !errors.Is(err, catalog.ErrNoVersion) {
		t.Errorf("another flow's draft: %v", err)
	}
}

// The themes' catalog keeps its own versions and active set beside the
// flows', and shares the generation.
func TestThemesBesideFlows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	flows := catalog.New(redistest.Client(t), "t:")
	ths := flows.Themes()
	id, err := ths.Save(ctx, "poitiers", catalog.Version{YAML: "parent: default\n", By: "admin", At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := flows.Activate(ctx, "poitiers", id); !errors.Is(err, catalog.ErrNoVersion) {
		t.Errorf("a theme's version activated as a flow's: %v", err)
	}
	g0, _ := flows.Generation(ctx)
	if _, err := ths.Activate(ctx, "poitiers", id); err != nil {
		t.Fatal(err)
	}
	if a, _ := ths.Active(ctx); string(a["poitiers"]) != "parent: default\n" {
		t.Errorf("themes' Active = %q", a)
	}
	if a, _ := flows.Active(ctx); len(a) != 0 {
		t.Errorf("a theme is among the flows: %q", a)
	}
	if g1, _ := flows.Generation(ctx); g1 != g0+1 {
		t.Errorf("a theme's activation did not move the generation: %d → %d", g0, g1)
	}
}
