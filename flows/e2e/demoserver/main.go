// Command demoserver runs the self-service flows alone, in memory, for the
// browser walk (../walk.mjs) when `seuil demo` is not at hand: embedded
// Redis, an embedded directory in a temporary file, a few sample students,
// an outbox at /demo/outbox.json and the screen previews at /preview.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/seuil-idp/seuil/flows"
	"github.com/seuil-idp/seuil/flows/notify"
	"github.com/seuil-idp/seuil/idp/directory/embedded"
	"github.com/seuil-idp/seuil/idp/regulation"
	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/idp/students"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8099", "listen address")
	flag.Parse()
	if err := run(*addr); err != nil {
		log.Fatal(err)
	}
}

func run(addr string) error {
	rdb, stop, err := state.Embedded()
	if err != nil {
		return err
	}
	defer stop()
	tmp, err := os.MkdirTemp("", "seuil-demoserver-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	dir, err := embedded.Open(filepath.Join(tmp, "directory.json"), embedded.Options{})
	if err != nil {
		return err
	}
	reg, err := regulation.New(rdb, "seuil:", nil, []byte("demo-only-secret-0123456789abcdef"))
	if err != nil {
		return err
	}
	box := notify.NewOutbox(0)
	h, err := flows.New(flows.Config{Preview: true}, flows.Deps{
		Store: state.New(rdb, "seuil:"), Regulator: reg, Directory: dir, Students: sample(),
		SMS: box, Mail: box, Landing: landing{}, Logger: slog.New(slog.NewTextHandler(os.Stderr, nil)),
	})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/", h)
	mux.Handle(notify.OutboxPath, box.Handler())
	mux.Handle(notify.OutboxJSONPath, box.Handler())
	mux.HandleFunc("/demo/landed", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "PJ Web (demo): signed in as %s\n", r.URL.Query().Get("login_hint"))
	})
	fmt.Printf("demoserver: http://%s/activation  (student 22012345, INE 123456789AB, mobile 07 88 10 25 99)\n", addr)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	return srv.ListenAndServe()
}

func sample() mapSource {
	return mapSource{
		"22012345": {StudentID: "22012345", INE: "123456789AB", FirstName: "Camille", LastName: "Martin",
			Mobile: "+33788102599", Email: "camille.martin@example.org",
			BirthDate: time.Date(2007, 3, 14, 0, 0, 0, 0, time.UTC)},
		"22012740": {StudentID: "22012740", INE: "693929754FA", FirstName: "Yanis", LastName: "Benali",
			Mobile: "+32470123456", Email: "yanis.benali@example.org"},
	}
}

type mapSource map[string]students.Record

func (m mapSource) Lookup(_ context.Context, id string) (students.Record, error) {
	if r, ok := m[id]; ok {
		return r, nil
	}
	return students.Record{}, students.ErrNotFound
}

type landing struct{}

func (landing) LandingURL(_ context.Context, _, login string) (string, error) {
	return "/demo/landed?login_hint=" + login, nil
}
