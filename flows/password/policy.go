package password

import (
	"errors"
	"fmt"
)

// Rule identifies one line of the password checklist. The values are
// stable: the UI maps them to translation keys.
type Rule string

// The rules, in checklist order. Each Failure's Args are documented here.
const (
	// RuleLength: at least MinLength and at most MaxLength characters.
	// Args: [0] MinLength (int), [1] MaxLength (int).
	RuleLength Rule = "length"
	// RuleDigit: at least one digit 0–9. No Args.
	RuleDigit Rule = "digit"
	// RuleASCII: printable ASCII only (space to tilde). Args: [0] the
	// distinct refused characters in order of appearance (the first 16),
	// joined with ", " (string, e.g. "é, à"); invisible ones are written
	// as code points (U+0009).
	RuleASCII Rule = "ascii"
	// RuleDictionary: not a French or English word, first or last name,
	// or common password, even with capitals, leading/trailing digits and
	// symbols, or l33t substitutions ("Bonjour2024!", "P@ssw0rd"). No Args:
	// the matched word is part of the password and is not echoed.
	RuleDictionary Rule = "dictionary"
	// RulePersonal: does not contain the student's own data. Args: the
	// kinds found, each a string among "student_id", "ine", "name",
	// "birth_date", in that order.
	RulePersonal Rule = "personal"
	// RuleContext: does not contain one of the deployment's own words
	// (ContextWords: the university's and the service's names), even
	// with capitals, accents or l33t ("Univ-Tours-2026", "S3uil!").
	// No Args: the word is part of the password and is not echoed.
	RuleContext Rule = "context"
	// RuleStrength: strength score at least MinScore (only when
	// MinScore > 0). Args: [0] MinScore (int).
	RuleStrength Rule = "strength"
	// RuleHistory: not one of the account's previous passwords. Check
	// never reports it: the Directory enforces it when the password is
	// set. It is listed by Rules so the checklist can show it.
	RuleHistory Rule = "history"
)

// Limits on the policy's parameters, enforced by Validate.
const (
	LowestMinLength  = 8 // below ANSSI's recommendations for a login password
	HighestMinLength = 128
	HighestMaxLength = 256 // bounds the work Check and the hasher do
	// LowestMaxLength: a cap below 64 characters cuts off passphrases
	// and password managers (ASVS 5.0 V6.2.9, ANSSI R22).
	LowestMaxLength = 64
)

// Policy holds a flow's password rules. It is decoded from the flow
// definition's parameters: start from DefaultPolicy and decode over it so
// that absent keys keep their defaults, then call Validate.
type Policy struct {
	MinLength        int  `yaml:"min_length"`
	MaxLength        int  `yaml:"max_length"`
	RequireDigit     bool `yaml:"require_digit"`
	ASCIIOnly        bool `yaml:"ascii_only"`
	RejectDictionary bool `yaml:"reject_dictionary"`
	RejectPersonal   bool `yaml:"reject_personal"`
	// ContextWords are words of this deployment a password must not
	// contain (ASVS 5.0 V6.1.2, V6.2.11): an attacker guessing a
	// university's passwords tries its name first. Compared folded
	// (lower case, no accents), on the password with l33t undone; words
	// under 4 letters are refused by Validate (they would refuse too many
	// passwords). Empty: no such rule.
	ContextWords []string `yaml:"context_words"`
	MinScore     int      `yaml:"min_score"` // 0 (off) to 4
	History      bool     `yaml:"history"`   // show RuleHistory in the checklist
}

// DefaultPolicy returns the rules of the activation flow: at least 8
// characters, a digit, printable ASCII, no dictionary or personal word,
// and the history line in the checklist.
func DefaultPolicy() Policy {
	return Policy{
		MinLength:        8,
		MaxLength:        128,
		RequireDigit:     true,
		ASCIIOnly:        true,
		RejectDictionary: true,
		RejectPersonal:   true,
		// The product's and the SIS's names; a deployment adds its
		// university's (and replaces the list when it sets one).
		ContextWords: []string{"universite", "etudiant", "seuil", "apogee", "pegase", "pjweb"},
		History:      true,
	}
}

// ErrInvalidPolicy is wrapped by every error Validate returns.
var ErrInvalidPolicy = errors.New("invalid password policy")

// Validate reports parameters out of range, naming the YAML key.
func (p Policy) Validate() error {
	short := shortWord(p.ContextWords)
	switch {
	case p.MinLength < LowestMinLength || p.MinLength > HighestMinLength:
		return fmt.Errorf("%w: min_length: %d is not between %d and %d",
			ErrInvalidPolicy, p.MinLength, LowestMinLength, HighestMinLength)
	case p.MaxLength < max(p.MinLength, LowestMaxLength) || p.MaxLength > HighestMaxLength:
		return fmt.Errorf("%w: max_length: %d is not between %d and %d",
			ErrInvalidPolicy, p.MaxLength, max(p.MinLength, LowestMaxLength), HighestMaxLength)
	case short >= 0:
		return fmt.Errorf("%w: context_words[%d]: %q has fewer than %d letters", ErrInvalidPolicy, short, p.ContextWords[short], minContextWord)
	case p.MinScore < 0 || p.MinScore > 4:
		return fmt.Errorf("%w: min_score: %d is not between 0 and 4", ErrInvalidPolicy, p.MinScore)
	}
	return nil
}

// Rules lists the checklist lines this policy shows, in order.
func (p Policy) Rules() []Rule {
	rules := []Rule{RuleLength}
	if p.RequireDigit {
		rules = append(rules, RuleDigit)
	}
	if p.ASCIIOnly {
		rules = append(rules, RuleASCII)
	}
	if p.RejectDictionary {
		rules = append(rules, RuleDictionary)
	}
	if p.RejectPersonal {
		rules = append(rules, RulePersonal)
	}
	if len(p.ContextWords) > 0 {
		rules = append(rules, RuleContext)
	}
	if p.MinScore > 0 {
		rules = append(rules, RuleStrength)
	}
	if p.History {
		rules = append(rules, RuleHistory)
	}
	return rules
}

// minContextWord: shorter context words ("ut", "bu") would refuse too
// many unrelated passwords.
const minContextWord = 4

// shortWord returns the index of the first context word of fewer than
// minContextWord letters once folded, or -1.
func shortWord(words []string) int {
	for i, w := range words {
		if len(foldName(w)) < minContextWord {
			return i
		}
	}
	return -1
}
