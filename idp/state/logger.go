package state

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/redis/go-redis/v9"
)

// LogRedisTo sends go-redis's own messages (a failed dial, a Sentinel
// that does not answer, a pool that gave up) to log, at warn, instead of
// the plain-text lines go-redis writes to stderr by default: every line
// Seuil emits is structured. go-redis's logger is process-wide.
func LogRedisTo(log *slog.Logger) { redis.SetLogger(redisLogger{log}) }

type redisLogger struct{ log *slog.Logger }

// Printf implements go-redis's internal.Logging. Its messages name
// addresses and errors, never a password or a key's value.
func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, "redis client", "detail", fmt.Sprintf(format, v...))
}
