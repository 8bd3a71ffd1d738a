package session

// LocalNext exposes localNext to the tests.
func (l *Login) LocalNext(next string) string { return l.localNext(next) }
