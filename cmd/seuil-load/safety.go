package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
)

// checkLoopback refuses a URL whose host is not a loopback address (a
// name must resolve to loopback addresses only): load is only allowed
// against this machine unless --allow-remote says otherwise.
func checkLoopback(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not an absolute URL", raw)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); ip != nil {
		if !ip.IsLoopback() {
			return fmt.Errorf("%s is not a loopback address (pass --allow-remote for a target you may load)", host)
		}
		return nil
	}
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil || len(ips) == 0 {
		return fmt.Errorf("%s: cannot tell it is loopback (pass --allow-remote for a target you may load): %v", host, err)
	}
	for _, ip := range ips {
		if !ip.IP.IsLoopback() {
			return fmt.Errorf("%s resolves to %s, not loopback (pass --allow-remote for a target you may load)", host, ip.IP)
		}
	}
	return nil
}
