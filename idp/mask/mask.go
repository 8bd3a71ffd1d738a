// Package mask hides most of a phone number or an e-mail address, for
// what a screen, a log line or the helpdesk shows: enough to recognise
// one's own, not enough to learn someone else's.
package mask

import (
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Phone shows a phone number with only its country code, first and
// last two digits visible: "+33 7 •• •• •• 99".
func Phone(e164 string) string {
	n, err := phonenumbers.Parse(e164, "")
	if err != nil || len(e164) < 6 {
		return "•••"
	}
	nat := phonenumbers.GetNationalSignificantNumber(n)
	if len(nat) < 4 {
		return "•••"
	}
	var b strings.Builder
	b.WriteString("+")
	b.WriteString(strconv.Itoa(int(n.GetCountryCode())))
	b.WriteString(" ")
	b.WriteString(nat[:1])
	mid := len(nat) - 3
	for i := 0; i < mid; i++ {
		if i%2 == 0 {
			b.WriteString(" ")
		}
		b.WriteString("•")
	}
	b.WriteString(" ")
	b.WriteString(nat[len(nat)-2:])
	return b.String()
}

// Email keeps the first character of the local part and the domain:
// "j•••@example.org".
func Email(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 1 {
		return "•••"
	}
	return addr[:1] + "•••" + addr[at:]
}
