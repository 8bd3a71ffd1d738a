// Package catalog keeps, in Redis, the flow definitions and themes that
// identity admins manage from the console: every version saved, which
// one each flow or theme runs, and a generation number that every
// replica watches, so that an activation reaches them all within seconds
// without a SIGHUP. Where a deployment keeps its definitions or themes
// in files (flows.dir, themes.dir), the files rule and the catalog is
// not used for them.
package catalog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Version is one saved text of a flow definition.
type Version struct {
	ID   string    `json:"id"` // the first 12 hex digits of its SHA-256, as the console shows every version
	YAML string    `json:"yaml"`
	By   string    `json:"by"` // the staff member who saved it
	At   time.Time `json:"at"`
	Note string    `json:"note,omitempty"`
}

// ErrNoVersion: no such version of that flow.
var ErrNoVersion = errors.New("catalog: no such version")

// Store is the catalog on a Redis client, keys under prefix: of the flow
// definitions (New), or of the themes (Themes).
type Store struct {
	rdb    redis.UniversalClient
	prefix string
	kind   string // "flow" or "theme"
}

// New returns the catalog of the flow definitions.
func New(rdb redis.UniversalClient, prefix string) *Store {
	return &Store{rdb: rdb, prefix: prefix, kind: "flow"}
}

// Themes returns the catalog of the themes the console manages, each a
// theme document (themes.LoadDocument). It shares the generation: an
// activation of either reloads both.
func (s *Store) Themes() *Store { c := *s; c.kind = "theme"; return &c }

// IDOf is a text's version id.
func IDOf(yaml string) string {
	sum := sha256.Sum256([]byte(yaml))
	return hex.EncodeToString(sum[:6])
}

func (s *Store) versionsKey(name string) string {
	return s.prefix + "catalog:" + s.kind + ":" + name + ":versions"
}
func (s *Store) historyKey(name string) string {
	return s.prefix + "catalog:" + s.kind + ":" + name + ":history"
}

// activeKey is catalog:active for the flows (as before themes were
// managed too), catalog:active:theme for the themes.
func (s *Store) activeKey() string {
	if s.kind == "flow" {
		return s.prefix + "catalog:active"
	}
	return s.prefix + "catalog:active:" + s.kind
}
func (s *Store) generationKey() string { return s.prefix + "catalog:generation" }

// maxHistory bounds the versions kept per flow (the oldest go).
const maxHistory = 50

// Save keeps a version of flow name (the same text twice is one
// version) and returns its id.
func (s *Store) Save(ctx context.Context, name string, v Version) (string, error) {
	v.ID = IDOf(v.YAML)
	raw, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	added, err := s.rdb.HSetNX(ctx, s.versionsKey(name), v.ID, raw).Result()
	if err != nil {
		return "", fmt.Errorf("catalog: save: %w", err)
	}
	if added {
		p := s.rdb.Pipeline()
		p.LPush(ctx, s.historyKey(name), v.ID)
		p.LTrim(ctx, s.historyKey(name), 0, maxHistory-1)
		if _, err := p.Exec(ctx); err != nil {
			return "", fmt.Errorf("catalog: save: %w", err)
		}
	}
	return v.ID, nil
}

// Activate makes version id the one flow name runs, for every replica,
// and returns the version it replaces ("" for none).
func (s *Store) Activate(ctx context.Context, name, id string) (string, error) {
	if ok, err := s.rdb.HExists(ctx, s.versionsKey(name), id).Result(); err != nil || !ok {
		if err != nil {
			return "", fmt.Errorf("catalog: activate: %w", err)
		}
		return "", ErrNoVersion
	}
	prev, err := s.rdb.HGet(ctx, s.activeKey(), name).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return "", fmt.Errorf("catalog: activate: %w", err)
	}
	p := s.rdb.Pipeline()
	p.HSet(ctx, s.activeKey(), name, id)
	p.Incr(ctx, s.generationKey())
	if _, err := p.Exec(ctx); err != nil {
		return "", fmt.Errorf("catalog: activate: %w", err)
	}
	return prev, nil
}

// draftTTL is how long a checked text stays previewable without being
// saved as a version.
const draftTTL = time.Hour

func (s *Store) draftKey(name, id string) string {
	return s.prefix + "catalog:" + s.kind + ":" + name + ":draft:" + id
}

// SaveDraft keeps a checked text of flow name for an hour, so that its
// screens can be previewed before it is activated (it is not a version
// and is not listed), and returns its id, the id it would have as a
// version.
func (s *Store) SaveDraft(ctx context.Context, name, yaml string) (string, error) {
	id := IDOf(yaml)
	if err := s.rdb.Set(ctx, s.draftKey(name, id), yaml, draftTTL).Err(); err != nil {
		return "", fmt.Errorf("catalog: draft: %w", err)
	}
	return id, nil
}

// Text returns the text of draft or version id of flow name.
func (s *Store) Text(ctx context.Context, name, id string) (string, error) {
	text, err := s.rdb.Get(ctx, s.draftKey(name, id)).Result()
	if err == nil {
		return text, nil
	}
	if !errors.Is(err, redis.Nil) {
		return "", fmt.Errorf("catalog: %w", err)
	}
	v, err := s.Version(ctx, name, id)
	return v.YAML, err
}

// Version reads one version of flow name.
func (s *Store) Version(ctx context.Context, name, id string) (Version, error) {
	raw, err := s.rdb.HGet(ctx, s.versionsKey(name), id).Bytes()
	if errors.Is(err, redis.Nil) {
		return Version{}, ErrNoVersion
	}
	if err != nil {
		return Version{}, fmt.Errorf("catalog: %w", err)
	}
	return decode(raw)
}

func decode(raw []byte) (Version, error) {
	var v Version
	if err := json.Unmarshal(raw, &v); err != nil {
		return Version{}, fmt.Errorf("catalog: %w", err)
	}
	return v, nil
}

// History lists the versions of flow name, newest first, and the id of
// the active one ("" when the flow runs its file or the shipped text).
func (s *Store) History(ctx context.Context, name string) ([]Version, string, error) {
	ids, err := s.rdb.LRange(ctx, s.historyKey(name), 0, -1).Result()
	if err != nil {
		return nil, "", fmt.Errorf("catalog: %w", err)
	}
	var out []Version
	if len(ids) > 0 {
		// One HMGET for the whole history, not a read per version.
		raws, err := s.rdb.HMGet(ctx, s.versionsKey(name), ids...).Result()
		if err != nil {
			return nil, "", fmt.Errorf("catalog: %w", err)
		}
		for _, raw := range raws {
			text, ok := raw.(string)
			if !ok {
				return nil, "", ErrNoVersion
			}
			v, err := decode([]byte(text))
			if err != nil {
				return nil, "", err
			}
			out = append(out, v)
		}
	}
	active, err := s.rdb.HGet(ctx, s.activeKey(), name).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, "", fmt.Errorf("catalog: %w", err)
	}
	return out, active, nil
}

// Active returns the text of every flow's active version, by flow name:
// what the flows load over the shipped definitions.
func (s *Store) Active(ctx context.Context) (map[string][]byte, error) {
	active, err := s.rdb.HGetAll(ctx, s.activeKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	out := map[string][]byte{}
	for name, id := range active {
		v, err := s.Version(ctx, name, id)
		if err != nil {
			return nil, fmt.Errorf("catalog: %s's active version %s: %w", name, id, err)
		}
		out[name] = []byte(v.YAML)
	}
	return out, nil
}

// Generation counts the activations ever made: a replica that sees it
// change reloads its definitions.
func (s *Store) Generation(ctx context.Context) (int64, error) {
	n, err := s.rdb.Get(ctx, s.generationKey()).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return n, err
}

// Watch calls reload each time the generation changes, looking every
// tick, until ctx ends. The first look sets the baseline.
func (s *Store) Watch(ctx context.Context, tick time.Duration, reload func()) {
	last, _ := s.Generation(ctx)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := s.Generation(ctx)
			if err == nil && n != last {
				last = n
				reload()
			}
		}
	}
}
