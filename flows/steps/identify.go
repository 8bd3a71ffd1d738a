package steps

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/seuil-idp/seuil/flows/flow"
	"github.com/seuil-idp/seuil/idp/students"
)

// IdentifyParams are the identify step's definition parameters.
type IdentifyParams struct {
	StudentIDPattern string `yaml:"student_id_pattern"`
	PhoneRegion      string `yaml:"phone_region"`
}

// Identify asks for the student number, INE and mobile, and checks their
// format only: the coherence check with the record belongs to verify, so
// that a mismatch never tells which field was wrong.
type Identify struct {
	studentID *regexp.Regexp
	region    string
	svc       *flow.Services
}

// NewIdentify builds the identify step.
func NewIdentify(p flow.Params, svc *flow.Services) (flow.Step, error) {
	prm := IdentifyParams{StudentIDPattern: `^[0-9]{8}$`, PhoneRegion: "FR"}
	if err := p.Decode(&prm); err != nil {
		return nil, err
	}
	re, err := regexp.Compile(prm.StudentIDPattern)
	if err != nil {
		return nil, fmt.Errorf("%s.student_id_pattern: %q is not a regular expression", p.Path, prm.StudentIDPattern)
	}
	if len(prm.PhoneRegion) != 2 || strings.ToUpper(prm.PhoneRegion) != prm.PhoneRegion {
		return nil, fmt.Errorf("%s.phone_region: %q is not a two-letter region code like FR", p.Path, prm.PhoneRegion)
	}
	return &Identify{studentID: re, region: prm.PhoneRegion, svc: svc}, nil
}

// Name implements flow.Step.
func (s *Identify) Name() string { return "identify" }

// IdentifyData is the identify page's data.
type IdentifyData struct {
	StudentID, INE, Phone string
}

// Show implements flow.Step; the values typed earlier are shown again
// when the student comes back to this screen. Once they matched, the
// flow no longer holds them (see flow.Flow): the record they matched
// gives them back.
func (s *Identify) Show(ctx context.Context, f *flow.Flow, _ *flow.Exchange) (string, any) {
	d := IdentifyData{StudentID: f.StudentID, INE: f.INE, Phone: f.Phone}
	if f.Refill && d.INE == "" && s.svc != nil && s.svc.Students != nil {
		if rec, err := s.svc.Students.Lookup(ctx, f.StudentID); err == nil {
			d.INE, d.Phone = rec.INE, rec.Mobile
		}
	}
	return "identify", d
}

// Submit implements flow.Step.
func (s *Identify) Submit(_ context.Context, f *flow.Flow, x *flow.Exchange) (flow.Outcome, error) {
	id, errs := ParseIdentify(x.Form, s.studentID, s.region)
	if len(errs) > 0 {
		return flow.Stay, errs
	}
	f.StudentID, f.INE, f.Phone, f.Refill = id.StudentID, id.INE, id.Phone, false
	return flow.Next, nil
}

// Identity is what the identify form holds, normalised.
type Identity struct {
	StudentID string
	INE       string
	Phone     string // E.164
}

// ParseIdentify reads and normalises the identify form. Each field's
// problem is reported under the field's name.
func ParseIdentify(form url.Values, studentID *regexp.Regexp, region string) (Identity, flow.FieldErrors) {
	var id Identity
	var errs flow.FieldErrors
	num := strings.Map(dropSpaces, form.Get("student_id"))
	switch {
	case num == "":
		errs.Add("student_id", "identify.student_id.required")
	case len(num) > 32 || !studentID.MatchString(num):
		errs.Add("student_id", "identify.student_id.format")
	default:
		id.StudentID = num
	}
	switch ine := strings.TrimSpace(form.Get("ine")); ine {
	case "":
		errs.Add("ine", "identify.ine.required")
	default:
		v, _, err := students.NormaliseINE(ine)
		if err != nil {
			errs.Add("ine", "identify.ine.format")
		}
		id.INE = v
	}
	switch phone := strings.TrimSpace(form.Get("phone")); phone {
	case "":
		errs.Add("phone", "identify.phone.required")
	default:
		v, err := students.NormalisePhone(phone, region)
		if err != nil {
			errs.Add("phone", "identify.phone.format")
		}
		id.Phone = v
	}
	return id, errs
}

func dropSpaces(r rune) rune {
	switch r {
	case ' ', '\t', '\u00a0', '.', '-':
		return -1
	}
	return r
}
