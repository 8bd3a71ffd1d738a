package config

import "time"

// Directory is where accounts live: exactly one of Embedded or LDAP.
type Directory struct {
	Embedded *EmbeddedDirectory `yaml:"embedded"`
	LDAP     *LDAPDirectory     `yaml:"ldap"`
}

// EmbeddedDirectory is the file-backed store of the demo.
type EmbeddedDirectory struct {
	Path string `yaml:"path" seuil:"path"`
}

// LDAPConn is how to reach and bind to an LDAP server.
type LDAPConn struct {
	URL          string `yaml:"url"`     // ldaps://… or ldap://… with start_tls
	BindDN       string `yaml:"bind_dn"` // empty: anonymous
	BindPassword Secret `yaml:"bind_password"`
	BaseDN       string `yaml:"base_dn"`
	StartTLS     bool   `yaml:"start_tls"`
	CAFile       string `yaml:"ca_file" seuil:"path"` // empty: system roots
}

// LDAPDirectory is the production directory (OpenLDAP with ppolicy), in
// the shape of idp/directory/ldap.Config.
type LDAPDirectory struct {
	LDAPConn `yaml:",inline"`
	// ReadURLs are replicas for searches and user binds; writes go to URL.
	ReadURLs []string `yaml:"read_urls"`
	// InsecureSkipVerify is refused unless the server is on loopback.
	InsecureSkipVerify bool     `yaml:"insecure_skip_verify"`
	DialTimeout        Duration `yaml:"dial_timeout"` // default 5s
	OpTimeout          Duration `yaml:"op_timeout"`   // default 10s
	PoolSize           int      `yaml:"pool_size"`    // per pool; default 4
	// MailDomain is the scope of eduPersonPrincipalName (login@domain).
	MailDomain string `yaml:"mail_domain"`
	// PolicyDN is written as pwdPolicySubentry on new accounts; empty: the
	// server's default policy.
	PolicyDN string `yaml:"policy_dn"`
	// DefaultPolicyDN is ppolicy_default's entry, read for pwdMaxAge.
	DefaultPolicyDN string `yaml:"default_policy_dn"`
	// HistoryCheck: auto (default) also checks a new password against
	// the entry's pwdHistory and userPassword in Seuil before writing, so
	// history holds even where ppolicy does not enforce it; off leaves it
	// to ppolicy alone.
	HistoryCheck string         `yaml:"history_check"`
	Attributes   LDAPAttributes `yaml:"attributes"`
}

// LDAPAttributes overrides the SupAnn attribute names of an account;
// empty fields keep the defaults.
type LDAPAttributes struct {
	Login      string `yaml:"login"`       // uid
	AliasLogin string `yaml:"alias_login"` // supannAliasLogin
	StudentID  string `yaml:"student_id"`  // supannEtuId
	INE        string `yaml:"ine"`         // supannCodeINE
	FirstName  string `yaml:"first_name"`  // givenName
	LastName   string `yaml:"last_name"`   // sn
	Mobile     string `yaml:"mobile"`      // mobile
	Email      string `yaml:"email"`       // supannMailPerso
	State      string `yaml:"state"`       // supannRessourceEtatDate
	Subject    string `yaml:"subject"`     // entryUUID
}

func (l *LDAPDirectory) setDefaults() {
	l.DialTimeout, l.OpTimeout = Duration(5*time.Second), Duration(10*time.Second)
	l.PoolSize = 4
}

// Students is the student source (APOGEE): exactly one of CSV, SQL, LDAP.
type Students struct {
	CSV  *CSVStudents  `yaml:"csv"`
	SQL  *SQLStudents  `yaml:"sql"`
	LDAP *LDAPStudents `yaml:"ldap"`
}

// Columns names the source's columns (CSV header or SQL result); empty
// fields keep the APOGEE defaults (students.DefaultColumns).
type Columns struct {
	StudentID string `yaml:"student_id"`
	INE       string `yaml:"ine"`
	INEKey    string `yaml:"ine_key"`
	LastName  string `yaml:"last_name"`
	FirstName string `yaml:"first_name"`
	BirthDate string `yaml:"birth_date"`
	Mobile    string `yaml:"mobile"`
	Email     string `yaml:"email"`
	Year      string `yaml:"year"`
	EndDate   string `yaml:"end_date"`
}

// CSVStudents is an extraction file rewritten by a scheduled job.
type CSVStudents struct {
	Path       string   `yaml:"path" seuil:"path"`
	Columns    Columns  `yaml:"columns"`
	Encoding   string   `yaml:"encoding"`    // auto|utf-8|latin-1; default auto
	Separator  string   `yaml:"separator"`   // one character; default ";"
	Region     string   `yaml:"region"`      // for national phone numbers; default FR
	CheckEvery Duration `yaml:"check_every"` // default 2s
}

func (c *CSVStudents) setDefaults() {
	c.Encoding, c.Separator, c.Region = "auto", ";", "FR"
	c.CheckEvery = Duration(2 * time.Second)
}

// SQLStudents reads APOGEE (Oracle) or a PostgreSQL view.
type SQLStudents struct {
	Driver string `yaml:"driver"` // oracle|pgx
	DSN    Secret `yaml:"dsn"`
	// LookupQuery returns the row of one student; its one parameter is
	// the student number (:1 for oracle, $1 for pgx).
	LookupQuery string `yaml:"lookup_query"`
	// BulkQuery returns every current student, for seuil sync.
	BulkQuery string   `yaml:"bulk_query"`
	Columns   Columns  `yaml:"columns"`
	Region    string   `yaml:"region"`  // default FR
	Timeout   Duration `yaml:"timeout"` // per lookup; default 5s
}

func (s *SQLStudents) setDefaults() {
	s.Region, s.Timeout = "FR", Duration(5*time.Second)
}

// LDAPStudents reads students pre-provisioned in an LDAP directory
// (idp/students.LDAPConfig).
type LDAPStudents struct {
	LDAPConn `yaml:",inline"`
	// Filter restricts the entries taken as students; default
	// (eduPersonAffiliation=student).
	Filter string `yaml:"filter"`
	// Attributes names the attribute of each record field; empty fields
	// keep the SupAnn defaults.
	Attributes Columns  `yaml:"attributes"`
	Region     string   `yaml:"region"`    // default FR
	Timeout    Duration `yaml:"timeout"`   // per operation; default 5s
	PageSize   int      `yaml:"page_size"` // bulk paged search; default 1000
}

func (l *LDAPStudents) setDefaults() {
	l.Filter, l.Region = "(eduPersonAffiliation=student)", "FR"
	l.Timeout, l.PageSize = Duration(5*time.Second), 1000
}
