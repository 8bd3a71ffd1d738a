package students

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx": PostgreSQL (Pégase-style views)
	_ "github.com/sijms/go-ora/v2"     // driver "oracle": APOGEE
)

// SQLConfig configures a student source read from a database view.
//
// Example (APOGEE on Oracle, driver "oracle"):
//
//	LookupQuery: SELECT * FROM V_SEUIL_ETUDIANT WHERE COD_ETU = :1
//	BulkQuery:   SELECT * FROM V_SEUIL_ETUDIANT
//
// With PostgreSQL (driver "pgx") the bind parameter is written $1.
type SQLConfig struct {
	Driver string // "oracle" (github.com/sijms/go-ora/v2) or "pgx" (github.com/jackc/pgx/v5)
	DSN    string // e.g. oracle://user:pass@host:1521/APOGEE, postgres://user:pass@host/db
	// LookupQuery selects one student; its single bind parameter is the
	// student number.
	LookupQuery string
	// BulkQuery selects every current student, for ldapsync.
	BulkQuery string
	// Columns names the result columns (case-insensitive); zero fields
	// take DefaultColumns, the APOGEE names.
	Columns Columns
	Region  string        // default region for national phone numbers; default "FR"
	Timeout time.Duration // per lookup; default 5s
}

// SQL is a student source backed by database/sql.
type SQL struct {
	db  *sql.DB
	cfg SQLConfig
}

// OpenSQL opens the database and checks that it answers.
func OpenSQL(ctx context.Context, cfg SQLConfig) (*SQL, error) {
	db, err := sql.Open(cfg.Driver, cfg.DSN)
	if err != nil {
		return nil, fmt.Errorf("students: open %s: %w", cfg.Driver, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("students: connect to %s database: %w", cfg.Driver, err)
	}
	s, err := NewSQL(db, cfg)
	if err != nil {
		db.Close()
	}
	return s, err
}

// NewSQL wraps an open database. The caller keeps ownership of db unless
// it closes the source with Close.
func NewSQL(db *sql.DB, cfg SQLConfig) (*SQL, error) {
	if strings.TrimSpace(cfg.LookupQuery) == "" && strings.TrimSpace(cfg.BulkQuery) == "" {
		return nil, errors.New("students: SQL source needs lookup_query or bulk_query")
	}
	if cfg.Region == "" {
		cfg.Region = "FR"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	return &SQL{db: db, cfg: cfg}, nil
}

// Close closes the database.
func (s *SQL) Close() error { return s.db.Close() }

// Lookup runs LookupQuery for studentID. A row that fails validation is
// returned as a *RowError (it is the record of an existing student, but
// unusable; the caller must not treat it as a match).
func (s *SQL) Lookup(ctx context.Context, studentID string) (Record, error) {
	if s.cfg.LookupQuery == "" {
		return Record{}, errors.New("students: SQL source has no lookup_query")
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	rows, err := s.db.QueryContext(ctx, s.cfg.LookupQuery, strings.TrimSpace(studentID))
	if err != nil {
		return Record{}, fmt.Errorf("students: lookup query: %w", err)
	}
	defer rows.Close()
	var (
		rec    Record
		found  bool
		badRow error
	)
	err = s.scan(rows, func(r Record) error {
		rec, found = r, true
		return nil
	}, func(e *RowError) { badRow = e })
	if err != nil {
		return Record{}, err
	}
	if badRow != nil {
		return Record{}, badRow
	}
	if !found {
		return Record{}, ErrNotFound
	}
	return rec, nil
}

// All runs BulkQuery and calls fn for each valid row; invalid rows go to
// bad with their 1-based row number.
func (s *SQL) All(ctx context.Context, fn func(Record) error, bad func(*RowError)) error {
	if s.cfg.BulkQuery == "" {
		return errors.New("students: SQL source has no bulk_query")
	}
	rows, err := s.db.QueryContext(ctx, s.cfg.BulkQuery)
	if err != nil {
		return fmt.Errorf("students: bulk query: %w", err)
	}
	defer rows.Close()
	return s.scan(rows, fn, bad)
}
