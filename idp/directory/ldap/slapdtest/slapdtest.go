// Package slapdtest starts a real OpenLDAP slapd for tests: mdb backend in
// a temporary directory, SupAnn and eduPerson schemas, the ppolicy overlay
// with a default policy, argon2 hashing, a service account with write (not
// manage, unless Options.ManageService) access, on a free loopback port. It stops the server when the
// test ends.
package slapdtest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/seuil-idp/seuil/idp/directory/ldap/schema"
)

// Slapd is the absolute path of the server binary (Debian's slapd package;
// /usr/sbin is often not on PATH).
const Slapd = "/usr/sbin/slapd"

// Options tune the default password policy of the server.
type Options struct {
	MaxAge      time.Duration // pwdMaxAge, rounded up to seconds; 0: 90 days
	InHistory   int           // pwdInHistory; 0: 5
	MinLength   int           // pwdMinLength (pwdCheckQuality 1); 0: 8
	GraceLogins int           // pwdGraceAuthNLimit
	MaxFailure  int           // pwdMaxFailure; 0: no lockout
	// ManageService gives the service account manage instead of write
	// access: ppolicy then treats it as a password administrator and
	// enforces neither history nor length (a misconfiguration tests
	// reproduce on purpose).
	ManageService bool
	// TLS makes a CA and a server certificate, and listens on ldaps://
	// too; ldap:// then accepts StartTLS.
	TLS bool
}

// Server is a running slapd.
type Server struct {
	URL             string // ldap://127.0.0.1:PORT
	Suffix          string // dc=univ-tours,dc=fr
	PeopleDN        string // ou=people,<suffix>: the accounts' base DN
	PolicyDN        string // the default ppolicy entry
	ServiceDN       string // the service account (write access, own policy)
	ServiceAccess   string // its access level: "write", or "manage" (Options.ManageService)
	ServicePassword string
	AdminDN         string // rootDN: for test set-up and inspection only
	AdminPassword   string
	Dir             string // temporary directory holding config, data, log

	// With Options.TLS: the ldaps:// URL, the CA to trust, the server's
	// certificate and key.
	LDAPSURL                  string
	CAFile, CertFile, KeyFile string

	proc          *proc
	port, tlsPort int
}

// Start runs slapd for the duration of tb. It fails the test if slapd is
// not installed: a mock never stands in for a server we can run.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	if _, err := os.Stat(Slapd); err != nil {
		tb.Fatalf("slapd not found (apt-get install slapd ldap-utils): %v", err)
	}
	s := &Server{
		Suffix:          "dc=univ-tours,dc=fr",
		ServicePassword: "service-" + strconv.FormatInt(time.Now().UnixNano(), 36),
		AdminPassword:   "admin-" + strconv.FormatInt(time.Now().UnixNano(), 36),
		Dir:             tb.TempDir(),
		ServiceAccess:   "write",
	}
	if opts.ManageService {
		s.ServiceAccess = "manage"
	}
	s.PeopleDN = "ou=people," + s.Suffix
	s.PolicyDN = "cn=default,ou=policies," + s.Suffix
	s.ServiceDN = "cn=seuil,ou=services," + s.Suffix
	s.AdminDN = "cn=admin," + s.Suffix
	if opts.TLS {
		if err := s.writeTLS(); err != nil {
			tb.Fatalf("slapdtest: certificates: %v", err)
		}
	}
	if err := s.writeConfig(); err != nil {
		tb.Fatalf("slapdtest: %v", err)
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, tlsPort := freePort(tb), 0
		if opts.TLS {
			tlsPort = freePort(tb)
		}
		p, err := s.run(port, tlsPort)
		if err == nil {
			s.proc, s.port, s.tlsPort = p, port, tlsPort
			err = s.populate(opts)
			if err != nil && p.exitedSoon() {
				// The port was taken between freePort and slapd's bind
				// (another test's server): the readiness dial reached
				// that server, and slapd gave up. Another port.
				lastErr = fmt.Errorf("populate: %w (slapd exited: port taken?)", err)
				continue
			}
			tb.Cleanup(func() { s.proc.stop() })
			if err != nil {
				tb.Fatalf("slapdtest: populate: %v (log: %s)", err, s.log())
			}
			return s
		}
		lastErr = err
	}
	tb.Fatalf("slapdtest: slapd did not start: %v (log: %s)", lastErr, s.log())
	return nil
}

func (s *Server) writeConfig() error {
	for _, name := range []string{"eduperson.schema", "supann-2019.schema", "schac-min.schema"} {
		b, err := schema.Files.ReadFile(name)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(s.Dir, name), b, 0o600); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(s.Dir, "seuil.schema"), schema.Seuil, 0o600); err != nil {
		return err
	}
	if err := os.Mkdir(filepath.Join(s.Dir, "db"), 0o700); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(s.Dir, "slapd.conf"))
	if err != nil {
		return err
	}
	defer f.Close()
	return confTemplate.Execute(f, s)
}

func (s *Server) log() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "slapd.log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// Admin returns a connection bound as the rootDN, closed when tb ends. Use
// it for set-up and inspection only: the rootDN bypasses ppolicy.
func (s *Server) Admin(tb testing.TB) *ldap.Conn {
	tb.Helper()
	c, err := s.bind(s.AdminDN, s.AdminPassword)
	if err != nil {
		tb.Fatalf("slapdtest: admin bind: %v", err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

func (s *Server) bind(dn, password string) (*ldap.Conn, error) {
	c, err := ldap.DialURL(s.URL)
	if err != nil {
		return nil, err
	}
	c.SetTimeout(5 * time.Second)
	if err := c.Bind(dn, password); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// relaxOID is the Relax Rules control, with which the rootDN may write
// operational attributes such as pwdChangedTime.
const relaxOID = "1.3.6.1.4.1.4203.666.5.12"

// Backdate sets the pwdChangedTime of dn, as if its password had been
// changed at t: tests of expiry and reminders need passwords a year old.
func (s *Server) Backdate(tb testing.TB, dn string, t time.Time) {
	tb.Helper()
	c := s.Admin(tb)
	mod := ldap.NewModifyRequest(dn, []ldap.Control{ldap.NewControlString(relaxOID, true, "")})
	mod.Replace("pwdChangedTime", []string{t.UTC().Format("20060102150405Z")})
	if err := c.Modify(mod); err != nil {
		tb.Fatalf("slapdtest: backdate %s: %v", dn, err)
	}
}
