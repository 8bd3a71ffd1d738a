// Package smtptest starts a real SMTP server for tests: aiosmtpd
// (Debian's python3-aiosmtpd, which .ci/deps installs) on a free loopback
// port, plain, STARTTLS or SMTPS with a certificate made for the test,
// with or without AUTH, storing each message in a maildir the test reads.
package smtptest

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	_ "embed"
	"encoding/pem"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

//go:embed smtpd.py
var smtpdPy []byte

// Server is a running aiosmtpd (smtpd.py).
type Server struct {
	Port    int
	Maildir string
	CAFile  string // the server certificate, to trust
}

// Options choose the server's TLS mode and, optionally, the one account
// AUTH accepts.
type Options struct {
	Mode           string // plain, starttls, smtps; default plain
	User, Password string
}

// python returns a python3 that can import aiosmtpd: Debian's, where the
// python3-aiosmtpd package installs it (.ci/run installs it).
func python(t testing.TB) string {
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if err := exec.Command(p, "-c", "import aiosmtpd").Run(); err == nil {
			return p
		}
	}
	t.Fatal("no python3 with aiosmtpd: apt-get install python3-aiosmtpd")
	return ""
}

// Start runs a real SMTP server on a free loopback port for the test.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	if o.Mode == "" {
		o.Mode = "plain"
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "smtpd.py")
	if err := os.WriteFile(script, smtpdPy, 0o600); err != nil {
		t.Fatal(err)
	}
	s := &Server{Port: FreePort(t), Maildir: filepath.Join(dir, "maildir")}
	args := []string{script, "--port", strconv.Itoa(s.Port), "--maildir", s.Maildir, "--mode", o.Mode}
	if o.Mode != "plain" {
		cert, key := writeCert(t, dir)
		s.CAFile = cert
		args = append(args, "--cert", cert, "--key", key)
	}
	if o.User != "" {
		args = append(args, "--user", o.User, "--password", o.Password)
	}
	cmd := exec.Command(python(t), args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start aiosmtpd: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	ready := make(chan bool, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- line == "ready\n"
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatal("aiosmtpd did not start")
		}
	case <-time.After(15 * time.Second):
		t.Fatal("aiosmtpd did not start within 15s")
	}
	return s
}

// Messages reads every message the server stored.
func (s *Server) Messages(t testing.TB) []*mail.Message {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(s.Maildir, "new", "*"))
	var msgs []*mail.Message
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { fh.Close() })
		m, err := mail.ReadMessage(fh)
		if err != nil {
			t.Fatalf("stored message %s: %v", f, err)
		}
		msgs = append(msgs, m)
	}
	return msgs
}

// FreePort is a loopback port nobody listens on (a dead server).
func FreePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// writeCert writes a self-signed certificate for 127.0.0.1 and localhost.
func writeCert(t testing.TB, dir string) (certFile, keyFile string) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "seuil test smtpd"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	write := func(name, typ string, b []byte) {
		if err := os.WriteFile(name, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(certFile, "CERTIFICATE", der)
	write(keyFile, "PRIVATE KEY", keyDER)
	return certFile, keyFile
}

// Text is a stored message's plain-text part, decoded (multipart
// decodes quoted-printable itself), or its body when it has one part.
func Text(t testing.TB, m *mail.Message) string {
	t.Helper()
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		b, _ := io.ReadAll(m.Body)
		return string(b)
	}
	r := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := r.NextPart()
		if err != nil {
			t.Fatalf("no text/plain part: %v", err)
		}
		if ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct == "text/plain" {
			b, err := io.ReadAll(p)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
}
