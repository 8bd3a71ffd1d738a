package embedded_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/directory/directorytest"
	"github.com/seuil-idp/seuil/idp/directory/embedded"
)

// cheap keeps the suite fast; the default costs are measured by
// BenchmarkHash and exercised by TestDefaultParams.
var cheap = embedded.Params{Memory: 1024, Time: 1, Threads: 1}

func open(t *testing.T, path string, opts embedded.Options) *embedded.Dir {
	t.Helper()
	d, err := embedded.Open(path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return d
}

func TestConformance(t *testing.T) {
	t.Parallel()
	directorytest.Run(t, func(t *testing.T, maxAge time.Duration) directory.Directory {
		return open(t, filepath.Join(t.TempDir(), "accounts.json"), embedded.Options{
			MaxAge: maxAge, HistoryDepth: directorytest.HistoryDepth, Argon2: cheap})
	})
}
