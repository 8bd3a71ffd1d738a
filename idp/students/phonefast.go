package students

import (
	"strconv"

	"github.com/nyaruka/phonenumbers"
)

// fastPhone normalises the shapes that make up nearly every French row
// of an extraction ("07 88 10 25 99", "07.88.10.25.99", "+33788102599",
// "0033 7 88…") without phonenumbers.Parse, whose regular expressions
// cost ~50 µs a number (5 s for 100,000 students). Validity is still
// decided by phonenumbers.IsValidNumber, so the answer is the one
// NormalisePhone gives (a fuzz test holds them together). ok is false
// when the shape is not one of these or the number is invalid: the caller
// then asks NormalisePhone.
func fastPhone(s, region string) (e164 string, ok bool) {
	if region != "FR" || len(s) > 32 {
		return "", false
	}
	var buf [32]byte
	d := buf[:0]
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			d = append(d, c)
		case c == ' ' || c == '.' || c == '-':
		case c == '+' && i == 0:
			d = append(d, '+')
		default:
			return "", false
		}
	}
	var nn []byte
	switch {
	case len(d) == 10 && d[0] == '0':
		nn = d[1:]
	case len(d) == 12 && string(d[:3]) == "+33":
		nn = d[3:]
	case len(d) == 13 && string(d[:4]) == "0033":
		nn = d[4:]
	default:
		return "", false
	}
	if nn[0] == '0' {
		return "", false
	}
	v, err := strconv.ParseUint(string(nn), 10, 64)
	if err != nil {
		return "", false
	}
	codes := []int32{33}
	if d[0] == '0' && d[1] != '0' {
		// Typed nationally: may be an overseas department's number, as
		// NormalisePhone's overseas retry (same order) decides.
		codes = fastOverseas
	}
	for _, cc := range codes {
		n := &phonenumbers.PhoneNumber{CountryCode: &cc, NationalNumber: &v}
		if phonenumbers.IsValidNumber(n) {
			return "+" + strconv.Itoa(int(cc)) + string(nn), true
		}
	}
	return "", false
}

// fastOverseas: France, then the country codes of overseasRegions.
var fastOverseas = []int32{33, 262, 590, 594, 596}

// normalisePhone is NormalisePhone with fastPhone's shortcut.
func normalisePhone(s, region string) (string, error) {
	if e, ok := fastPhone(s, region); ok {
		return e, nil
	}
	return NormalisePhone(s, region)
}
