package audit

// ExecForTest runs a statement on the store's database.
func ExecForTest(s *Postgres, q string) error {
	_, err := s.db.Exec(q)
	return err
}
