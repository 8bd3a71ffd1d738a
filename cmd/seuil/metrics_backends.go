package main

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	ldapdir "github.com/seuil-idp/seuil/idp/directory/ldap"
	"github.com/seuil-idp/seuil/idp/regulation"
)

// What the servers behind Seuil cost it: Redis commands and LDAP
// operations with their latency and pools, the limiter's decisions, the
// token endpoint's grants. Labels are the code's own words (command
// names, pool names, rule names, grant types, OAuth error codes): a
// fixed set, never a key, a login or an address.
var (
	redisSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "seuil_redis_command_duration_seconds", Help: "Time a Redis command (or pipeline) took, by command.",
		Buckets: []float64{.0002, .0005, .001, .0025, .005, .01, .025, .05, .1, .5, 1},
	}, []string{"command"})
	redisErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "seuil_redis_errors_total", Help: "Redis commands that failed (a missing key is no failure), by command.",
	}, []string{"command"})
	ldapSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "seuil_ldap_operation_duration_seconds", Help: "Time an LDAP operation took, waiting for a connection included, by pool (write, read, bind) and outcome (ok, refused, failed).",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5},
	}, []string{"pool", "outcome"})
	limitDecisions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "seuil_limit_decisions_total", Help: "Rate-limit decisions, by rule, operation (check, hit) and outcome (allowed, limited).",
	}, []string{"rule", "op", "outcome"})
	tokenRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "seuil_token_requests_total", Help: "Token endpoint requests, by grant type and outcome (ok or the OAuth error code).",
	}, []string{"grant_type", "outcome"})
)

// observeLimit is the regulator's observer.
func observeLimit(rule regulation.Rule, op string, allowed bool) {
	outcome := "allowed"
	if !allowed {
		outcome = "limited"
	}
	limitDecisions.WithLabelValues(string(rule), op, outcome).Inc()
}

// observeToken is the provider's OnToken.
func observeToken(grantType, outcome string) { tokenRequests.WithLabelValues(grantType, outcome).Inc() }

// observeLDAP is the directory's observer.
func observeLDAP(pool string, took time.Duration, outcome string) {
	ldapSeconds.WithLabelValues(pool, outcome).Observe(took.Seconds())
}

// redisMetrics is a go-redis hook timing every command and pipeline.
type redisMetrics struct{}

func (redisMetrics) DialHook(next redis.DialHook) redis.DialHook { return next }

func (redisMetrics) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmd)
		observeRedis(cmd.Name(), start, err) // go-redis lower-cases it already
		return err
	}
}

func (redisMetrics) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmds)
		observeRedis("pipeline", start, err)
		return err
	}
}

func observeRedis(command string, start time.Time, err error) {
	redisSeconds.WithLabelValues(command).Observe(time.Since(start).Seconds())
	if err != nil && !errors.Is(err, redis.Nil) && !errors.Is(err, redis.TxFailedErr) {
		redisErrors.WithLabelValues(command).Inc()
	}
}

// The pools are read when /metrics is scraped: the Redis client's and
// the LDAP directory's of the running server (the last one built).
var (
	poolRedis atomic.Pointer[redis.UniversalClient]
	poolLDAP  atomic.Pointer[ldapdir.Dir]
)

// pools reports the connection pools' state as gauges and counters.
type pools struct{}

var (
	redisConnsDesc = prometheus.NewDesc("seuil_redis_pool_connections", "Redis connections, by state (total, idle).", []string{"state"}, nil)
	redisWaitsDesc = prometheus.NewDesc("seuil_redis_pool_timeouts_total", "Times a command waited for a Redis connection in vain (the pool was full).", nil, nil)
	ldapConnsDesc  = prometheus.NewDesc("seuil_ldap_pool_connections", "LDAP connections, by pool (write, read, bind) and state (in_use, idle; size: the most in use at once).", []string{"pool", "state"}, nil)
)

func (pools) Describe(ch chan<- *prometheus.Desc) {
	ch <- redisConnsDesc
	ch <- redisWaitsDesc
	ch <- ldapConnsDesc
}

func (pools) Collect(ch chan<- prometheus.Metric) {
	if c := poolRedis.Load(); c != nil {
		s := (*c).PoolStats()
		ch <- prometheus.MustNewConstMetric(redisConnsDesc, prometheus.GaugeValue, float64(s.TotalConns), "total")
		ch <- prometheus.MustNewConstMetric(redisConnsDesc, prometheus.GaugeValue, float64(s.IdleConns), "idle")
		ch <- prometheus.MustNewConstMetric(redisWaitsDesc, prometheus.CounterValue, float64(s.Timeouts))
	}
	if d := poolLDAP.Load(); d != nil {
		for _, p := range d.PoolStats() {
			ch <- prometheus.MustNewConstMetric(ldapConnsDesc, prometheus.GaugeValue, float64(p.InUse), p.Pool, "in_use")
			ch <- prometheus.MustNewConstMetric(ldapConnsDesc, prometheus.GaugeValue, float64(p.Idle), p.Pool, "idle")
			ch <- prometheus.MustNewConstMetric(ldapConnsDesc, prometheus.GaugeValue, float64(p.Size), p.Pool, "size")
		}
	}
}

// meterRedis times the client's commands and has /metrics report its pool.
func meterRedis(rdb redis.UniversalClient) {
	rdb.AddHook(redisMetrics{})
	poolRedis.Store(&rdb)
}

func init() {
	prometheus.MustRegister(redisSeconds, redisErrors, ldapSeconds, limitDecisions, tokenRequests, pools{})
	// Series that exist from the start, so that a dashboard sees "none
	// yet" rather than "no data".
	for _, p := range []string{"write", "read", "bind"} {
		for _, o := range []string{"ok", "refused", "failed"} {
			ldapSeconds.WithLabelValues(p, o)
		}
	}
	for _, gt := range []string{"authorization_code", "refresh_token", "client_credentials"} {
		tokenRequests.WithLabelValues(gt, "ok")
		tokenRequests.WithLabelValues(gt, "invalid_grant")
	}
}
