package state_test

import (
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/idp/state/redistest"
	"github.com/seuil-idp/seuil/idp/state/statetest"
)

func TestRedisServer(t *testing.T) {
	t.Parallel()
	statetest.Run(t, func(t *testing.T) redis.UniversalClient { return redistest.Client(t) })
}

func TestEmbedded(t *testing.T) {
	t.Parallel()
	statetest.Run(t, func(t *testing.T) redis.UniversalClient {
		c, stop, err := state.Embedded()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(stop)
		return c
	})
}

// The same suite on a Redis Cluster of three masters: every operation
// keeps to keys of one slot, or goes key by key.
func TestCluster(t *testing.T) {
	t.Parallel()
	statetest.Run(t, func(t *testing.T) redis.UniversalClient { return redistest.ClusterClient(t) })
}
