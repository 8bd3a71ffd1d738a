package regulation

import (
	"errors"
	"fmt"
	"time"
)

// Rule names one limit. Its value is the rule's key in the configuration
// ("regulation.code_send_per_phone") and part of its Redis keys.
type Rule string

// The rules Seuil applies. Steps count failures (a mismatch, a wrong code,
// a wrong password) or costs (a code sent) against them; see Defaults for
// the numbers and why.
const (
	IdentifyPerIP      Rule = "identify_per_ip"
	IdentifyPerStudent Rule = "identify_per_student"
	// IdentifyPerStudentIP counts mismatches per (student, address): the
	// tight limit a guesser at one address meets.
	IdentifyPerStudentIP Rule = "identify_per_student_ip"
	CodeSendPerPhone     Rule = "code_send_per_phone"
	CodeSendPerIP        Rule = "code_send_per_ip"
	CodeSendPerStudent   Rule = "code_send_per_student"
	CodeVerifyPerStudent Rule = "code_verify_per_student"
	LoginPerIP           Rule = "login_per_ip"
	LoginPerAccount      Rule = "login_per_account"
	FlowStartPerIP       Rule = "flow_start_per_ip"
	// LoginPerAccountIP counts wrong passwords per (account, address):
	// the tight limit, which an attacker at one address spends alone.
	LoginPerAccountIP Rule = "login_per_account_ip"
	// StaffFactorPerAccount counts wrong second-factor codes of a staff
	// member.
	StaffFactorPerAccount Rule = "staff_factor_per_account"
)

// AllRules lists every rule, in configuration order.
var AllRules = []Rule{
	IdentifyPerIP, IdentifyPerStudent, IdentifyPerStudentIP,
	CodeSendPerPhone, CodeSendPerIP, CodeSendPerStudent,
	CodeVerifyPerStudent,
	LoginPerIP, LoginPerAccount, LoginPerAccountIP,
	FlowStartPerIP,
	StaffFactorPerAccount,
}

// Limit allows Burst events at once, then Rate events per Per on average
// (a token bucket, computed by GCRA in Redis): after a burst, one event
// every Per/Rate.
type Limit struct {
	Rate  int           `yaml:"rate" json:"rate"`
	Per   time.Duration `yaml:"per" json:"per"`
	Burst int           `yaml:"burst" json:"burst"`
}

// Rules holds one Limit per Rule. A rule left out takes its default.
type Rules map[Rule]Limit

// Defaults returns the limits Seuil ships with. The reasoning:
//
//   - Many students share one IP address (campus Wi-Fi and eduroam behind
//     NAT, the enrolment room, a family's box), so per-IP limits are loose
//     and only stop a script; the tight limits are per student, phone or
//     account, which an attacker cannot multiply.
//   - identify: a mismatch of (student number, INE, mobile). Typos happen,
//     so 5 per (student, address) an hour: what a guesser at one address
//     meets. Per student alone the ceiling is 20 an hour, so that someone
//     who knows only a student number cannot keep the student out of
//     activation from another network. A script guessing triples from one
//     address gets 10 at once then one every 3 minutes.
//   - code_send: every SMS costs money, and a flood harasses the student
//     (and is the raw material of SMS pumping fraud). The code goes to the
//     phone on record, so per phone: 5 at once, then one every 2.4 hours
//     (10 a day); per student the same; per IP 30 an hour (an enrolment
//     room sends many legitimately).
//   - code_verify: a wrong code. Each code also has its own attempt limit in
//     the flow; across resends 10 wrong codes an hour per student keeps a
//     6-digit guess below 1 in 4,000 a day.
//   - login: a wrong password. Per (account, address) 5 at once then one
//     every 6 minutes: the throttle a guesser meets. Per account alone the
//     ceiling is high (30 at once, then 60 an hour), so that an attacker
//     who knows only a login, at one address or a few, cannot keep its
//     student out from another network; it stops only a guesser spread
//     over many addresses, and even then slows rather than locks. Per IP
//     60 an hour, burst 20.
//   - staff_factor: a wrong TOTP or recovery code of a staff member who
//     already gave the right password: 5 at once, then 10 an hour.
//   - flow_start: a new flow or a parked authorization request stored in
//     Redis (every visit without a flow cookie or session). Only there to
//     bound what one address can make the server store (a few KB each):
//     a burst of 1000, then one a second, which a campus NAT at the peak
//     of enrolment does not reach.
func Defaults() Rules {
	return Rules{
		IdentifyPerIP:         {Rate: 20, Per: time.Hour, Burst: 10},
		IdentifyPerStudent:    {Rate: 20, Per: time.Hour, Burst: 20},
		IdentifyPerStudentIP:  {Rate: 5, Per: time.Hour, Burst: 5},
		CodeSendPerPhone:      {Rate: 10, Per: 24 * time.Hour, Burst: 5},
		CodeSendPerIP:         {Rate: 30, Per: time.Hour, Burst: 10},
		CodeSendPerStudent:    {Rate: 10, Per: 24 * time.Hour, Burst: 5},
		CodeVerifyPerStudent:  {Rate: 10, Per: time.Hour, Burst: 10},
		LoginPerIP:            {Rate: 60, Per: time.Hour, Burst: 20},
		LoginPerAccount:       {Rate: 60, Per: time.Hour, Burst: 30},
		LoginPerAccountIP:     {Rate: 10, Per: time.Hour, Burst: 5},
		FlowStartPerIP:        {Rate: 3600, Per: time.Hour, Burst: 1000},
		StaffFactorPerAccount: {Rate: 10, Per: time.Hour, Burst: 5},
	}
}

// WithDefaults returns r completed from Defaults: a missing rule takes the
// default limit, and a limit without a burst gets a burst equal to its rate.
func (r Rules) WithDefaults() Rules {
	out := Defaults()
	for rule, l := range r {
		if l.Burst == 0 {
			l.Burst = l.Rate
		}
		out[rule] = l
	}
	return out
}

// Validate reports every unknown rule and non-positive number, each message
// naming the key ("code_send_per_phone.rate: must be a positive integer").
func (r Rules) Validate() error {
	known := make(map[Rule]bool, len(AllRules))
	for _, rule := range AllRules {
		known[rule] = true
	}
	var errs []error
	for _, rule := range AllRules {
		if l, ok := r[rule]; ok {
			errs = append(errs, l.validate(string(rule)))
		}
	}
	for rule := range r {
		if !known[rule] {
			errs = append(errs, fmt.Errorf("%s: unknown rule (known: %v)", rule, AllRules))
		}
	}
	return errors.Join(errs...)
}

func (l Limit) validate(name string) error {
	var errs []error
	if l.Rate <= 0 {
		errs = append(errs, fmt.Errorf("%s.rate: %d: must be a positive integer", name, l.Rate))
	}
	if l.Per <= 0 {
		errs = append(errs, fmt.Errorf("%s.per: %s: must be a positive duration", name, l.Per))
	}
	if l.Burst <= 0 {
		errs = append(errs, fmt.Errorf("%s.burst: %d: must be a positive integer", name, l.Burst))
	}
	return errors.Join(errs...)
}

// interval is the time one event's token takes to come back.
func (l Limit) interval() time.Duration { return l.Per / time.Duration(l.Rate) }
