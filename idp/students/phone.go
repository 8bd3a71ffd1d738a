package students

import (
	"errors"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// ErrPhone means the value is not a valid phone number.
var ErrPhone = errors.New("students: not a valid phone number")

// NormalisePhone parses a phone number in any usual form ("07 88 10 25 99",
// "+33 7 88 10 25 99", "0033788102599", foreign numbers with their +prefix)
// and returns it in E.164. region is the default region for national forms
// ("FR").
func NormalisePhone(s, region string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 32 {
		return "", ErrPhone
	}
	// "00" is the international prefix in France and most of Europe;
	// libphonenumber only knows it relative to the default region.
	if strings.HasPrefix(s, "00") {
		s = "+" + s[2:]
	}
	n, err := phonenumbers.ParseAndKeepRawInput(s, region)
	if err != nil {
		return "", ErrPhone
	}
	if !phonenumbers.IsValidNumber(n) {
		if n = overseas(n, s, region); n == nil {
			return "", ErrPhone
		}
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

// overseasRegions share the French national numbering plan (a number is
// typed "0692 12 34 56" in Réunion as in Paris) but have country codes of
// their own: RE (+262, also Mayotte), GP (+590, also Saint-Barthélemy and
// Saint-Martin), GF (+594), MQ (+596).
var overseasRegions = []string{"RE", "GP", "GF", "MQ"}

// overseas retries a nationally typed French number that is invalid in
// metropolitan France as a number of the overseas departments, whose
// prefixes (0692, 0639, 0690, 0694, 0696…) do not overlap. It returns nil
// if none takes it.
func overseas(n *phonenumbers.PhoneNumber, s, region string) *phonenumbers.PhoneNumber {
	if region != "FR" || n.GetCountryCodeSource() != phonenumbers.PhoneNumber_FROM_DEFAULT_COUNTRY {
		return nil
	}
	for _, r := range overseasRegions {
		if m, err := phonenumbers.Parse(s, r); err == nil && phonenumbers.IsValidNumber(m) {
			return m
		}
	}
	return nil
}
