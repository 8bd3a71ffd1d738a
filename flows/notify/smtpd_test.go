package notify_test

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// smtpd is a running aiosmtpd (see testdata/smtpd.py).
type smtpd struct {
	port    int
	maildir string
	caFile  string // the server certificate, to trust
}

type smtpdOptions struct {
	mode           string // plain, starttls, smtps
	user, password string
}

// python returns a python3 that can import aiosmtpd: Debian's, where the
// python3-aiosmtpd package installs it (.ci/run installs it).
func python(t *testing.T) string {
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if err := exec.Command(p, "-c", "import aiosmtpd").Run(); err == nil {
			return p
		}
	}
	t.Fatal("no python3 with aiosmtpd: apt-get install python3-aiosmtpd")
	return ""
}

// startSMTPD runs a real SMTP server on a free loopback port for the test.
func startSMTPD(t *testing.T, o smtpdOptions) *smtpd {
	t.Helper()
	dir := t.TempDir()
	s := &smtpd{port: freePort(t), maildir: filepath.Join(dir, "maildir")}
	args := []string{"testdata/smtpd.py", "--port", strconv.Itoa(s.port), "--maildir", s.maildir, "--mode", o.mode}
	if o.mode != "plain" {
		cert, key := writeCert(t, dir)
		s.caFile = cert
		args = append(args, "--cert", cert, "--key", key)
	}
	if o.user != "" {
		args = append(args, "--user", o.user, "--password", o.password)
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

// messages reads every message the server stored.
func (s *smtpd) messages(t *testing.T) []*mail.Message {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(s.maildir, "new", "*"))
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

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// writeCert writes a self-signed certificate for 127.0.0.1 and localhost.
func writeCert(t *testing.T, dir string) (certFile, keyFile string) {
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
