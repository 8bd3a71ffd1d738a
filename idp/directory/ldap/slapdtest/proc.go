package slapdtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// proc is a running slapd and the channel its exit is reported on.
type proc struct {
	cmd    *exec.Cmd
	exited chan error
}

// run starts slapd on port (and tlsPort for ldaps:// if not 0) and waits
// until it answers.
func (s *Server) run(port, tlsPort int) (*proc, error) {
	s.URL = "ldap://127.0.0.1:" + strconv.Itoa(port)
	listen := s.URL + "/"
	if tlsPort != 0 {
		s.LDAPSURL = "ldaps://127.0.0.1:" + strconv.Itoa(tlsPort)
		listen += " " + s.LDAPSURL + "/"
	}
	logf, err := os.OpenFile(filepath.Join(s.Dir, "slapd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(Slapd, "-f", filepath.Join(s.Dir, "slapd.conf"), "-h", listen, "-d", "0")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	p := &proc{cmd: cmd, exited: make(chan error, 1)}
	go func() { p.exited <- cmd.Wait(); logf.Close() }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.exited:
			return nil, fmt.Errorf("slapd exited: %v", err)
		default:
		}
		if c, err := net.DialTimeout("tcp", s.URL[len("ldap://"):], 200*time.Millisecond); err == nil {
			c.Close()
			return p, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	<-p.exited
	return nil, errors.New("slapd did not answer within 10s")
}

// exitedSoon reports whether slapd exits within a second (as it does
// when it cannot bind its port); after true, the process is gone and
// stop must not be called.
func (p *proc) exitedSoon() bool {
	select {
	case <-p.exited:
		return true
	case <-time.After(time.Second):
		return false
	}
}

// stop sends SIGTERM and waits for the exit (slapd can take > 1 s), then
// kills it if it lingers.
func (p *proc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// Restart stops slapd and starts it again on the same ports with the same
// data, as a server restart or failover would: clients' connections drop.
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	s.proc.stop()
	var err error
	for attempt := 0; attempt < 20; attempt++ { // the port may linger briefly
		if s.proc, err = s.run(s.port, s.tlsPort); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.Fatalf("slapdtest: restart: %v (log: %s)", err, s.log())
}
