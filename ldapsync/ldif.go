package ldapsync

import (
	"bufio"
	"encoding/base64"
	"io"
	"strings"
	"unicode/utf8"
)

// writeLDIF prints the planned writes as LDIF change records (RFC 2849),
// each modify preceded by comments showing the values it replaces, so
// an administrator can review a dry run or feed it to ldapmodify.
func writeLDIF(w io.Writer, l *layout, ops []Op) error {
	b := bufio.NewWriter(w)
	for _, op := range ops {
		line(b, "dn", op.DN)
		switch op.Kind {
		case OpCreate:
			b.WriteString("changetype: add\n")
			for _, a := range l.NewEntry(op.Record, l.loginOf(op.StudentID), l.now).Attributes {
				for _, v := range a.Vals {
					line(b, a.Type, v)
				}
			}
		case OpUpdate, OpLeft:
			if op.Kind == OpLeft {
				b.WriteString("# student left the source\n")
			}
			b.WriteString("changetype: modify\n")
			for _, ch := range op.Changes {
				for _, v := range ch.Old {
					comment(b, "was "+ch.Attr, v)
				}
				line(b, "replace", ch.Attr)
				for _, v := range ch.New {
					line(b, ch.Attr, v)
				}
				b.WriteString("-\n")
			}
		}
		b.WriteString("\n")
	}
	return b.Flush()
}

// line writes "name: value", base64-encoded ("name:: …") when the value
// is not a safe LDIF string.
func line(b *bufio.Writer, name, v string) {
	if safe(v) {
		b.WriteString(name + ": " + v + "\n")
		return
	}
	// Base64 is unreadable: show the text in a comment first.
	comment(b, name, v)
	b.WriteString(name + ":: " + base64.StdEncoding.EncodeToString([]byte(v)) + "\n")
}

// comment writes "# label: value" with line breaks flattened, so that
// a value cannot end the comment.
func comment(b *bufio.Writer, label, v string) {
	b.WriteString("# ")
	b.WriteString(label)
	b.WriteString(": ")
	b.WriteString(strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == 0 {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(v, "?")))
	b.WriteString("\n")
}

func safe(v string) bool {
	if v == "" {
		return true
	}
	if v[0] == ' ' || v[0] == ':' || v[0] == '<' || v[len(v)-1] == ' ' || !utf8.ValidString(v) {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == 0 || c == '\n' || c == '\r' || c >= 0x80 {
			return false
		}
	}
	return true
}
