package config

import (
	"log/slog"
	"net/url"
	"strings"
)

// Prefix is the path of server.public_url without its trailing slash
// ("" when Seuil is served at the root), under which every route lives.
func (s Server) Prefix() string {
	u, err := url.Parse(s.PublicURL)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(u.Path, "/")
}

// SlogLevel returns log.level as a slog.Level.
func (l Log) SlogLevel() slog.Level {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(l.Level)); err != nil {
		return slog.LevelInfo // unreachable once validated
	}
	return lv
}
