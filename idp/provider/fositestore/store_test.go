package fositestore_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/openid"
	"github.com/redis/go-redis/v9"

	"github.com/seuil-idp/seuil/idp/provider/fositestore"
	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/idp/state/redistest"
)

// The same behaviours against a real redis-server and the embedded
// in-process server of the demo.
func TestRedisServer(t *testing.T) { run(t, redistest.Client(t)) }

// On a Redis Cluster of three masters, where a grant's tokens and
// families hash to different slots.
func TestCluster(t *testing.T) { run(t, redistest.ClusterClient(t)) }

func TestEmbedded(t *testing.T) {
	rdb, stop, err := state.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	run(t, rdb)
}

type clientList map[string]fosite.Client

func (c clientList) GetClient(_ context.Context, id string) (fosite.Client, error) {
	if cl, ok := c[id]; ok {
		return cl, nil
	}
	return nil, fosite.ErrNotFound
}
func (clientList) ClientAssertionJWTValid(context.Context, string) error          { return nil }
func (clientList) SetClientAssertionJWT(context.Context, string, time.Time) error { return nil }

func run(t *testing.T, rdb redis.UniversalClient) {
	tests := map[string]func(*testing.T, *fositestore.Store, *state.Store){
		"RoundTrip":        testRoundTrip,
		"CodeSingleUse":    testCodeSingleUse,
		"CodeMemo":         testCodeMemo,
		"Unit":             testUnit,
		"RefreshRotation":  testRefreshRotation,
		"LegacyRecords":    testLegacyRecords,
		"LegacyFamilies":   testLegacyFamilies,
		"RevokeAccess":     testRevokeAccess,
		"PKCEAndOIDC":      testPKCEAndOIDC,
		"UnknownClient":    testUnknownClient,
		"TTLs":             testTTLs,
		"ClientAssertions": testJTI,
	}
	for name, fn := range tests {
		t.Run(name, func(t *testing.T) {
			st := state.New(rdb, "conf:"+name+":")
			s := fositestore.New(st, clientList{"c1": &fosite.DefaultClient{ID: "c1"}},
				func() fosite.Session { return openid.NewDefaultSession() },
				fositestore.Lifespans{Code: time.Minute, Access: 10 * time.Minute, Refresh: time.Hour}, codeSig)
			fn(t, s, st)
		})
	}
}

func request(id string) *fosite.Request {
	sess := openid.NewDefaultSession()
	sess.Subject = "sub-" + id
	sess.Claims.Subject = "sub-" + id
	sess.Claims.Extra = map[string]any{"preferred_username": "22012345T"}
	sess.SetExpiresAt(fosite.AccessToken, time.Now().Add(5*time.Minute).Round(time.Second))
	return &fosite.Request{
		ID: id, RequestedAt: time.Now().UTC().Round(time.Second), Client: &fosite.DefaultClient{ID: "c1"},
		RequestedScope: fosite.Arguments{"openid", "offline_access"}, GrantedScope: fosite.Arguments{"openid"},
		Form: url.Values{"nonce": {"n1"}}, Session: sess,
	}
}

func testRoundTrip(t *testing.T, s *fositestore.Store, _ *state.Store) {
	ctx := context.Background()
	in := request("r1")
	if err := s.CreateAccessTokenSession(ctx, "at1", in); err != nil {
		t.Fatal(err)
	}
	out, err := s.GetAccessTokenSession(ctx, "at1", openid.NewDefaultSession())
	if err != nil {
		t.Fatal(err)
	}
	sess := out.GetSession().(*openid.DefaultSession)
	if out.GetID() != "r1" || out.GetClient().GetID() != "c1" || !out.GetRequestedAt().Equal(in.RequestedAt) ||
		out.GetRequestForm().Get("nonce") != "n1" || !out.GetGrantedScopes().Has("openid") ||
		sess.Subject != "sub-r1" || sess.Claims.Extra["preferred_username"] != "22012345T" ||
		!sess.GetExpiresAt(fosite.AccessToken).Equal(in.Session.GetExpiresAt(fosite.AccessToken)) {
		t.Fatalf("round trip lost data: %+v %+v", out, sess)
	}
	// fosite's revocation handler passes a nil session.
	if out, err := s.GetAccessTokenSession(ctx, "at1", nil); err != nil || out.GetSession().GetSubject() != "sub-r1" {
		t.Fatalf("nil session: %v", err)
	}
	if err := s.DeleteAccessTokenSession(ctx, "at1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetAccessTokenSession(ctx, "at1", nil); !errors.Is(err, fosite.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

func testCodeSingleUse(t *testing.T, s *fositestore.Store, _ *state.Store) {
	ctx := context.Background()
	if err := s.CreateAuthorizeCodeSession(ctx, "c", request("r2")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetAuthorizeCodeSession(ctx, "c", nil); err != nil {
		t.Fatal(err)
	}
	if err := s.InvalidateAuthorizeCodeSession(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	if err := s.InvalidateAuthorizeCodeSession(ctx, "c"); !errors.Is(err, fosite.ErrInvalidatedAuthorizeCode) {
		t.Fatalf("second invalidation: %v", err)
	}
	req, err := s.GetAuthorizeCodeSession(ctx, "c", nil)
	if !errors.Is(err, fosite.ErrInvalidatedAuthorizeCode) || req == nil || req.GetID() != "r2" {
		t.Fatalf("used code: %v %v", req, err)
	}
	if _, err := s.GetAuthorizeCodeSession(ctx, "nope", nil); !errors.Is(err, fosite.ErrNotFound) {
		t.Fatalf("unknown code: %v", err)
	}
}

// Within one token request a code is read from Redis once; two
// requests that both read it still spend it once, the loser refused at
// the atomic flip however fresh its memory; read again after its
// invalidation, the code is spent.
func testCodeMemo(t *testing.T, s *fositestore.Store, _ *state.Store) {
	bg := context.Background()
	if err := s.CreateAuthorizeCodeSession(bg, "m", request("r9")); err != nil {
		t.Fatal(err)
	}
	one, two := fositestore.ForRequest(bg), fositestore.ForRequest(bg)
	for _, ctx := range []context.Context{one, two} {
		if _, err := s.GetAuthorizeCodeSession(ctx, "m", nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.InvalidateAuthorizeCodeSession(two, "m"); err != nil {
		t.Fatal(err)
	}
	// Spent in Redis, still active in the first request's memory: its
	// second read did not go to Redis.
	if req, err := s.GetAuthorizeCodeSession(one, "m", nil); err != nil || req.GetID() != "r9" {
		t.Fatalf("the second read of one request: %v %v", req, err)
	}
	if _, err := s.GetAuthorizeCodeSession(bg, "m", nil); !errors.Is(err, fosite.ErrInvalidatedAuthorizeCode) {
		t.Fatalf("without a memo: %v", err)
	}
	if err := s.InvalidateAuthorizeCodeSession(one, "m"); !errors.Is(err, fosite.ErrInvalidatedAuthorizeCode) {
		t.Fatalf("the concurrent exchange of the same code: %v", err)
	}
	if _, err := s.GetAuthorizeCodeSession(one, "m", nil); !errors.Is(err, fosite.ErrInvalidatedAuthorizeCode) {
		t.Fatalf("read after its invalidation: %v", err)
	}
}

// codeSig is fosite's HMAC strategy's: a code is "key.signature".
func codeSig(_ context.Context, code string) string { return code[strings.LastIndexByte(code, '.')+1:] }

// authorize issues code sig like fosite's authorization: the code, then
// its OpenID Connect request and, with challenge, its PKCE challenge,
// all in one unit; the companions carry the forms fosite sanitizes.
func authorize(t *testing.T, s *fositestore.Store, code, id, challenge string) {
	t.Helper()
	ctx := fositestore.ForRequest(context.Background())
	r := request(id)
	sig := codeSig(ctx, code)
	oidc, pkce := *r, *r
	oidc.Form = url.Values{"nonce": {"n-" + id}}
	pkce.Form = url.Values{"code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	err := errors.Join(s.CreateAuthorizeCodeSession(ctx, sig, r), s.CreateOpenIDConnectSession(ctx, code, &oidc))
	if challenge != "" {
		err = errors.Join(err, s.CreatePKCERequestSession(ctx, sig, &pkce))
	}
	if err := errors.Join(err, s.Flush(ctx, true, nil)); err != nil {
		t.Fatal(err)
	}
}

// Within a unit, new records wait for Flush, and go only with a success;
// a code's PKCE and OpenID Connect requests go inside its record, come
// with it at the token endpoint, and are spent with it.
func testUnit(t *testing.T, s *fositestore.Store, st *state.Store) {
	bg := context.Background()
	const code = "key.u"
	held := fositestore.ForRequest(bg)
	for _, create := range []func(context.Context) error{
		func(ctx context.Context) error { return s.CreateAuthorizeCodeSession(ctx, "u", request("r10")) },
		func(ctx context.Context) error { return s.CreatePKCERequestSession(ctx, "u", request("r10")) },
		func(ctx context.Context) error { return s.CreateOpenIDConnectSession(ctx, code, request("r10")) },
		func(ctx context.Context) error { return s.CreateAccessTokenSession(ctx, "ua", request("r10")) },
	} {
		if err := create(held); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.GetAuthorizeCodeSession(bg, "u", nil); !errors.Is(err, fosite.ErrNotFound) {
		t.Fatalf("a held code is in Redis before Flush: %v", err)
	}
	if err := s.Flush(held, false, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetAuthorizeCodeSession(bg, "u", nil); !errors.Is(err, fosite.ErrNotFound) {
		t.Fatalf("a failed request's code was written: %v", err)
	}
	held = fositestore.ForRequest(bg)
	_ = s.CreateAccessTokenSession(held, "ua", request("r10"))
	if err := s.Flush(held, true, func(b *state.Batch) { b.Put("also", "x", time.Minute) }); err != nil {
		t.Fatal(err)
	}
	var also string
	if _, err := s.GetAccessTokenSession(bg, "ua", nil); err != nil || st.Get(bg, "also", &also) != nil || also != "x" {
		t.Fatalf("after Flush: access token %v, the caller's write %q", err, also)
	}

	authorize(t, s, code, "r10", "chal")
	if n, err := st.Client().Exists(bg, st.Key("oidc:pkce:u")).Result(); err != nil || n != 0 {
		t.Fatalf("the challenge has a key of its own: %d %v", n, err)
	}
	tok := fositestore.ForTokenRequest(bg, code)
	if _, err := s.GetAuthorizeCodeSession(tok, "u", nil); err != nil {
		t.Fatal(err)
	}
	pk, err := s.GetPKCERequestSession(tok, "u", openid.NewDefaultSession())
	if err != nil || pk.GetRequestForm().Get("code_challenge") != "chal" || pk.GetSession().GetSubject() != "sub-r10" || pk.GetID() != "r10" {
		t.Fatalf("the challenge did not come with the code: %v %v", pk, err)
	}
	if err := s.DeletePKCERequestSession(tok, "u"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetPKCERequestSession(tok, "u", nil); !errors.Is(err, fosite.ErrNotFound) {
		t.Fatalf("the challenge outlived its deletion in the request: %v", err)
	}
	id, err := s.GetOpenIDConnectSession(tok, code, &fosite.Request{Session: openid.NewDefaultSession()})
	if err != nil || id.GetRequestForm().Get("nonce") != "n-r10" || id.GetSession().(*openid.DefaultSession).Claims.Subject != "sub-r10" {
		t.Fatalf("the OpenID Connect request did not come with the code: %v %v", id, err)
	}
	if err := s.DeleteOpenIDConnectSession(tok, code); err != nil {
		t.Fatal(err)
	}
	// A failed exchange (a wrong verifier: fosite deletes the challenge
	// before it checks it) spends the code with its challenge.
	if err := s.Flush(tok, false, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetAuthorizeCodeSession(bg, "u", nil); !errors.Is(err, fosite.ErrInvalidatedAuthorizeCode) {
		t.Errorf("the code outlived a failed exchange that spent its challenge: %v", err)
	}

	// An exchange that succeeds spends the code once: its own flip, no
	// second one at Flush.
	authorize(t, s, "key.v", "r11", "chal")
	tok = fositestore.ForTokenRequest(bg, "key.v")
	_, _ = s.GetAuthorizeCodeSession(tok, "v", nil)
	_, _ = s.GetPKCERequestSession(tok, "v", nil)
	_ = s.DeletePKCERequestSession(tok, "v")
	if err := s.InvalidateAuthorizeCodeSession(tok, "v"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetOpenIDConnectSession(tok, "key.v", request("r11")); err != nil {
		t.Fatalf("the OpenID Connect request after the code was spent: %v", err)
	}
	if err := s.Flush(tok, true, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.InvalidateAuthorizeCodeSession(bg, "v"); !errors.Is(err, fosite.ErrInvalidatedAuthorizeCode) {
		t.Errorf("the exchanged code: %v", err)
	}

	// Two exchanges of one code at once: the second finds it spent as it
	// reads it, before the first has answered.
	authorize(t, s, "key.y", "r14", "chal")
	first, second := fositestore.ForTokenRequest(bg, "key.y"), fositestore.ForTokenRequest(bg, "key.y")
	if _, err := s.GetAuthorizeCodeSession(first, "y", nil); err != nil {
		t.Fatal(err)
	}
	if req, err := s.GetAuthorizeCodeSession(second, "y", nil); !errors.Is(err, fosite.ErrInvalidatedAuthorizeCode) || req == nil {
		t.Errorf("the second exchange of a code: %v", err)
	}
	if err := s.InvalidateAuthorizeCodeSession(first, "y"); err != nil {
		t.Errorf("the first exchange, which spent the code as it read it: %v", err)
	}
	if _, err := s.GetAuthorizeCodeSession(first, "y", nil); !errors.Is(err, fosite.ErrInvalidatedAuthorizeCode) {
		t.Errorf("read again after its invalidation: %v", err)
	}

	// A code issued without a challenge has none, known without a look
	// elsewhere; another code's OpenID Connect request is not this one's.
	authorize(t, s, "key.w", "r12", "")
	_ = s.CreatePKCERequestSession(bg, "w", request("r12")) // apart: not the code's
	tok = fositestore.ForTokenRequest(bg, "key.w")
	if _, err := s.GetAuthorizeCodeSession(tok, "w", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetPKCERequestSession(tok, "w", nil); !errors.Is(err, fosite.ErrNotFound) {
		t.Errorf("a code issued without a challenge has one: %v", err)
	}
	other := fositestore.ForTokenRequest(bg, "key.elsewhere")
	_, _ = s.GetAuthorizeCodeSession(other, "w", nil)
	if _, err := s.GetOpenIDConnectSession(other, "key.elsewhere", nil); !errors.Is(err, fosite.ErrNotFound) {
		t.Errorf("the OpenID Connect request of another code: %v", err)
	}

	// Records written one by one, outside a unit (as before they were
	// kept together) are still found at the token endpoint, and taken.
	_ = s.CreateAuthorizeCodeSession(bg, "x", request("r13"))
	_ = s.CreatePKCERequestSession(bg, "x", request("r13"))
	_ = s.CreateOpenIDConnectSession(bg, "key.x", request("r13"))
	tok = fositestore.ForTokenRequest(bg, "key.x")
	_, _ = s.GetAuthorizeCodeSession(tok, "x", nil)
	if _, err := s.GetPKCERequestSession(tok, "x", nil); err != nil {
		t.Errorf("a challenge stored apart: %v", err)
	}
	if _, err := s.GetOpenIDConnectSession(tok, "key.x", request("r13")); err != nil {
		t.Errorf("an OpenID Connect request stored apart: %v", err)
	}
	if _, err := s.GetPKCERequestSession(bg, "x", nil); !errors.Is(err, fosite.ErrNotFound) {
		t.Errorf("a challenge stored apart outlived its read: %v", err)
	}
	// A code missing in Redis is missing in a unit too.
	if _, err := s.GetAuthorizeCodeSession(fositestore.ForTokenRequest(bg, "other"), "nope", nil); !errors.Is(err, fosite.ErrNotFound) {
		t.Errorf("unknown code in a unit: %v", err)
	}
}

func testRefreshRotation(t *testing.T, s *fositestore.Store, _ *state.Store) {
	ctx := context.Background()
	r := request("r3")
	if err := s.CreateAccessTokenSession(ctx, "a1", r); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateRefreshTokenSession(ctx, "rt1", "a1", r); err != nil {
		t.Fatal(err)
	}
	if err := s.RotateRefreshToken(ctx, "r3", "rt1"); err != nil {
		t.Fatal(err)
	}
	if err := s.RotateRefreshToken(ctx, "r3", "rt1"); !errors.Is(err, fosite.ErrInactiveToken) {
		t.Fatalf("second rotation of the same token: %v", err)
	}
	if _, err := s.GetAccessTokenSession(ctx, "a1", nil); !errors.Is(err, fosite.ErrNotFound) {
		t.Fatalf("access token survived rotation: %v", err)
	}
	req, err := s.GetRefreshTokenSession(ctx, "rt1", nil)
	if !errors.Is(err, fosite.ErrInactiveToken) || req == nil {
		t.Fatalf("rotated token: %v", err)
	}
	if err := s.CreateRefreshTokenSession(ctx, "rt2", "a2", r); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetRefreshTokenSession(ctx, "rt2", nil); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeRefreshToken(ctx, "r3"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetRefreshTokenSession(ctx, "rt2", nil); !errors.Is(err, fosite.ErrInactiveToken) {
		t.Fatalf("family revocation missed rt2: %v", err)
	}
}

func testRevokeAccess(t *testing.T, s *fositestore.Store, _ *state.Store) {
	ctx := context.Background()
	for _, sig := range []string{"x1", "x2"} {
		if err := s.CreateAccessTokenSession(ctx, sig, request("r4")); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateAccessTokenSession(ctx, "other", request("r5")); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeAccessToken(ctx, "r4"); err != nil {
		t.Fatal(err)
	}
	for _, sig := range []string{"x1", "x2"} {
		if _, err := s.GetAccessTokenSession(ctx, sig, nil); !errors.Is(err, fosite.ErrNotFound) {
			t.Errorf("%s survived: %v", sig, err)
		}
	}
	if _, err := s.GetAccessTokenSession(ctx, "other", nil); err != nil {
		t.Errorf("another grant's token revoked: %v", err)
	}
}

func testPKCEAndOIDC(t *testing.T, s *fositestore.Store, _ *state.Store) {
	ctx := context.Background()
	r := request("r6")
	if err := s.CreatePKCERequestSession(ctx, "p", r); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateOpenIDConnectSession(ctx, "code", r); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetPKCERequestSession(ctx, "p", nil); err != nil || got.GetID() != "r6" {
		t.Fatal(err)
	}
	got, err := s.GetOpenIDConnectSession(ctx, "code", &fosite.Request{Session: openid.NewDefaultSession()})
	if err != nil || got.GetSession().(*openid.DefaultSession).Claims.Subject != "sub-r6" {
		t.Fatal(err)
	}
	// Read once, taken: fosite deletes both right after reading them.
	if _, err := s.GetPKCERequestSession(ctx, "p", nil); !errors.Is(err, fosite.ErrNotFound) {
		t.Error("pkce survived its read")
	}
	if _, err := s.GetOpenIDConnectSession(ctx, "code", nil); !errors.Is(err, fosite.ErrNotFound) {
		t.Error("oidc request survived its read")
	}
	if err := errors.Join(s.DeletePKCERequestSession(ctx, "p"), s.DeleteOpenIDConnectSession(ctx, "code")); err != nil {
		t.Errorf("deleting what was taken: %v", err)
	}
}

// A client removed from the configuration cannot use its tokens.
func testUnknownClient(t *testing.T, s *fositestore.Store, _ *state.Store) {
	ctx := context.Background()
	r := request("r7")
	r.Client = &fosite.DefaultClient{ID: "gone"}
	if err := s.CreateAccessTokenSession(ctx, "g", r); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetAccessTokenSession(ctx, "g", nil); err == nil {
		t.Fatal("token of an unknown client accepted")
	}
}

func testTTLs(t *testing.T, s *fositestore.Store, st *state.Store) {
	ctx := context.Background()
	r := request("r8")
	_ = s.CreateAuthorizeCodeSession(ctx, "tc", r)
	_ = s.CreateAccessTokenSession(ctx, "ta", r)
	_ = s.CreateRefreshTokenSession(ctx, "tr", "ta", r)
	for key, max := range map[string]time.Duration{"oidc:code:tc": time.Minute, "oidc:at:ta": 7 * time.Minute, "oidc:rt:tr": time.Hour} {
		d, err := st.TTL(ctx, key)
		if err != nil || d <= 0 || d > max {
			t.Errorf("%s ttl = %v (%v), want (0, %v]", key, d, err, max)
		}
	}
}

func testJTI(t *testing.T, s *fositestore.Store, _ *state.Store) {
	ctx := context.Background()
	if err := s.ClientAssertionJWTValid(ctx, "j1"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetClientAssertionJWT(ctx, "j1", time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.ClientAssertionJWTValid(ctx, "j1"); !errors.Is(err, fosite.ErrJTIKnown) {
		t.Fatalf("known jti: %v", err)
	}
	if err := s.SetClientAssertionJWT(ctx, "j1", time.Now().Add(time.Minute)); !errors.Is(err, fosite.ErrJTIKnown) {
		t.Fatalf("second set of a known jti: %v", err)
	}
	if err := s.SetClientAssertionJWT(ctx, "j2", time.Now().Add(2*fositestore.MaxAssertionLifetime)); !errors.Is(err, fosite.ErrInvalidClient) {
		t.Fatalf("far exp: %v", err)
	}
	if err := s.ClientAssertionJWTValid(ctx, "j2"); err != nil {
		t.Fatalf("refused jti recorded: %v", err)
	}
}

// testLegacyRecords: records written before the active flag led their
// JSON (tokens alive across an upgrade) are still flipped exactly once,
// whether rotated, revoked with their grant or, for a code, exchanged.
func testLegacyRecords(t *testing.T, s *fositestore.Store, st *state.Store) {
	ctx := context.Background()
	rdb := st.Client()
	legacy := func(key string) {
		t.Helper()
		raw, err := rdb.Get(ctx, st.Key(key)).Result()
		if err != nil || !strings.HasPrefix(raw, `{"active":true,`) {
			t.Fatalf("%s: %q %v", key, raw, err)
		}
		old := "{" + strings.TrimPrefix(raw, `{"active":true,`)
		old = strings.TrimSuffix(old, "}") + `,"active":true}`
		if err := rdb.Set(ctx, st.Key(key), old, redis.KeepTTL).Err(); err != nil {
			t.Fatal(err)
		}
	}
	r := request("r9")
	for _, sig := range []string{"old1", "old2"} {
		if err := s.CreateRefreshTokenSession(ctx, sig, "", r); err != nil {
			t.Fatal(err)
		}
		legacy("oidc:rt:" + sig)
	}
	if err := s.RotateRefreshToken(ctx, "r9", "old1"); err != nil {
		t.Fatalf("rotating a legacy token: %v", err)
	}
	if err := s.RotateRefreshToken(ctx, "r9", "old1"); !errors.Is(err, fosite.ErrInactiveToken) {
		t.Fatalf("a legacy token rotated twice: %v", err)
	}
	if _, err := s.GetRefreshTokenSession(ctx, "old2", nil); !errors.Is(err, fosite.ErrInactiveToken) {
		t.Fatalf("the grant's other legacy token survived the rotation: %v", err)
	}
	if err := s.CreateAuthorizeCodeSession(ctx, "oldcode", r); err != nil {
		t.Fatal(err)
	}
	legacy("oidc:code:oldcode")
	if err := s.InvalidateAuthorizeCodeSession(ctx, "oldcode"); err != nil {
		t.Fatalf("exchanging a legacy code: %v", err)
	}
	if err := s.InvalidateAuthorizeCodeSession(ctx, "oldcode"); !errors.Is(err, fosite.ErrInvalidatedAuthorizeCode) {
		t.Fatalf("a legacy code exchanged twice: %v", err)
	}
}

// testLegacyFamilies: a grant issued when its access and refresh tokens
// had a set each (tokens alive across an upgrade) is still retired
// whole, by a rotation or a revocation, and its old sets go with it.
func testLegacyFamilies(t *testing.T, s *fositestore.Store, st *state.Store) {
	ctx := context.Background()
	rdb := st.Client()
	old := func(id, at string, rts ...string) {
		t.Helper()
		r := request(id)
		err := s.CreateAccessTokenSession(ctx, at, r)
		for _, rt := range rts {
			err = errors.Join(err, s.CreateRefreshTokenSession(ctx, rt, at, r))
		}
		p := rdb.Pipeline() // keys of several slots under Cluster
		p.Del(ctx, st.Key("oidc:fam:"+id))
		p.SAdd(ctx, st.Key("oidc:atfam:"+id), at)
		for _, rt := range rts {
			p.SAdd(ctx, st.Key("oidc:rtfam:"+id), rt)
		}
		if _, perr := p.Exec(ctx); errors.Join(err, perr) != nil {
			t.Fatal(errors.Join(err, perr))
		}
	}
	gone := func(keys ...string) {
		t.Helper()
		for _, k := range keys {
			if n, err := rdb.Exists(ctx, st.Key(k)).Result(); err != nil || n != 0 {
				t.Errorf("%s outlived its grant's retirement: %d %v", k, n, err)
			}
		}
	}
	old("r20", "la1", "lr1", "lr2")
	if err := s.RotateRefreshToken(ctx, "r20", "lr1"); err != nil {
		t.Fatalf("rotating a token of an old grant: %v", err)
	}
	if _, err := s.GetAccessTokenSession(ctx, "la1", nil); !errors.Is(err, fosite.ErrNotFound) {
		t.Errorf("an old grant's access token survived its rotation: %v", err)
	}
	if _, err := s.GetRefreshTokenSession(ctx, "lr2", nil); !errors.Is(err, fosite.ErrInactiveToken) {
		t.Errorf("an old grant's other refresh token survived its rotation: %v", err)
	}
	gone("oidc:atfam:r20", "oidc:rtfam:r20")
	// Its next pair joins the one family, and goes with the next revocation.
	r := request("r20")
	if err := errors.Join(s.CreateAccessTokenSession(ctx, "na", r), s.CreateRefreshTokenSession(ctx, "nr", "na", r)); err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(s.RevokeRefreshToken(ctx, "r20"), s.RevokeAccessToken(ctx, "r20")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetRefreshTokenSession(ctx, "nr", nil); !errors.Is(err, fosite.ErrInactiveToken) {
		t.Errorf("the new pair's refresh token survived the revocation: %v", err)
	}
	gone("oidc:at:na", "oidc:fam:r20")

	old("r21", "la2", "lr3")
	if err := s.RevokeRefreshToken(ctx, "r21"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetRefreshTokenSession(ctx, "lr3", nil); !errors.Is(err, fosite.ErrInactiveToken) {
		t.Errorf("an old grant's refresh token survived its revocation: %v", err)
	}
	if _, err := s.GetAccessTokenSession(ctx, "la2", nil); err != nil {
		t.Errorf("revoking the refresh tokens took the access token: %v", err)
	}
	if n, err := s.RevokeSubject(ctx, "sub-r21"); err != nil || n != 1 {
		t.Fatalf("RevokeSubject = %d, %v", n, err)
	}
	gone("oidc:at:la2", "oidc:atfam:r21", "oidc:rtfam:r21")
}
