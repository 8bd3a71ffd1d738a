package audit

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
)

// Postgres is a Store in a PostgreSQL table shared by every replica.
// The table refuses UPDATE (a trigger): events are appended, and only
// Prune deletes them. Give Seuil's role INSERT, SELECT and DELETE on it,
// nothing more, once the table exists.
type Postgres struct {
	db    *sql.DB
	table string
}

const schemaSQL = `
CREATE TABLE IF NOT EXISTS %[1]s (
	id         bigserial PRIMARY KEY,
	time       timestamptz NOT NULL,
	kind       text NOT NULL,
	outcome    text NOT NULL,
	student    text NOT NULL DEFAULT '',
	login      text NOT NULL DEFAULT '',
	actor      text NOT NULL DEFAULT '',
	flow       text NOT NULL DEFAULT '',
	detail     text NOT NULL DEFAULT '',
	reason     text NOT NULL DEFAULT '',
	ref        text NOT NULL DEFAULT '',
	ip         text NOT NULL DEFAULT '',
	request_id text NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS %[1]s_time ON %[1]s (time);
CREATE INDEX IF NOT EXISTS %[1]s_student ON %[1]s (student, time) WHERE student <> '';
CREATE INDEX IF NOT EXISTS %[1]s_login ON %[1]s (login, time) WHERE login <> '';
CREATE INDEX IF NOT EXISTS %[1]s_actor ON %[1]s (actor, time) WHERE actor <> '';
CREATE INDEX IF NOT EXISTS %[1]s_ref ON %[1]s (ref) WHERE ref <> '';
CREATE OR REPLACE FUNCTION %[1]s_append_only() RETURNS trigger LANGUAGE plpgsql AS
	$$ BEGIN RAISE EXCEPTION '%[1]s is append-only'; END $$;
CREATE OR REPLACE TRIGGER %[1]s_append_only BEFORE UPDATE ON %[1]s
	FOR EACH ROW EXECUTE FUNCTION %[1]s_append_only();
`

// OpenPostgres connects to dsn and creates the table (default name
// "seuil_audit") if it is missing.
func OpenPostgres(ctx context.Context, dsn, table string) (*Postgres, error) {
	if table == "" {
		table = "seuil_audit"
	}
	if strings.Trim(table, "abcdefghijklmnopqrstuvwxyz_0123456789") != "" {
		return nil, fmt.Errorf("audit: table name %q: lower-case letters, digits and _ only", table)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	if _, err := db.ExecContext(ctx, fmt.Sprintf(schemaSQL, table)); err != nil {
		db.Close()
		return nil, fmt.Errorf("audit: create table %s: %w", table, err)
	}
	return &Postgres{db: db, table: table}, nil
}

// Close closes the connections.
func (s *Postgres) Close() error { return s.db.Close() }

// Ping checks the database answers.
func (s *Postgres) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Append inserts one event.
func (s *Postgres) Append(ctx context.Context, e Event) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO `+s.table+` (time, kind, outcome, student, login, actor, flow, detail, reason, ref, ip, request_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		e.Time, e.Kind, e.Outcome, e.Student, e.Login, e.Actor, e.Flow, e.Detail, e.Reason, e.Ref, e.IP, e.RequestID)
	if err != nil {
		return fmt.Errorf("audit: insert: %w", err)
	}
	return nil
}

// Query streams the selected events, newest first.
func (s *Postgres) Query(ctx context.Context, f Filter, fn func(Event) error) error {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if len(f.Subjects) > 0 {
		var subs []string
		for _, v := range f.Subjects {
			if v != "" {
				subs = append(subs, v)
			}
		}
		p := arg(subs)
		where = append(where, "(student = ANY("+p+") OR login = ANY("+p+"))")
	}
	if f.Actor != "" {
		where = append(where, "actor = "+arg(f.Actor))
	}
	if f.Ref != "" {
		where = append(where, "ref = "+arg(f.Ref))
	}
	if f.Kind != "" {
		if strings.HasSuffix(f.Kind, ".") {
			// A prefix: LIKE with its metacharacters escaped.
			esc := strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(f.Kind)
			where = append(where, "kind LIKE "+arg(esc+"%"))
		} else {
			where = append(where, "kind = "+arg(f.Kind))
		}
	}
	if !f.From.IsZero() {
		where = append(where, "time >= "+arg(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, "time < "+arg(f.To))
	}
	q := `SELECT time, kind, outcome, student, login, actor, flow, detail, reason, ref, ip, request_id FROM ` + s.table
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY time DESC, id DESC"
	if f.Limit > 0 {
		q += " LIMIT " + arg(f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("audit: query: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.Time, &e.Kind, &e.Outcome, &e.Student, &e.Login, &e.Actor, &e.Flow,
			&e.Detail, &e.Reason, &e.Ref, &e.IP, &e.RequestID); err != nil {
			return fmt.Errorf("audit: query: %w", err)
		}
		e.Time = e.Time.UTC()
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Prune deletes the events older than before.
func (s *Postgres) Prune(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM `+s.table+` WHERE time < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("audit: prune: %w", err)
	}
	return res.RowsAffected()
}
