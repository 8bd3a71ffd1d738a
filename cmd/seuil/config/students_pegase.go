package config

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/seuil-idp/seuil/idp/students"
)

// PegaseStudents reads Pégase (PC-SCOL) through its external APIs, with
// the bearer token its CAS issues to an API account
// (idp/students.PegaseConfig).
type PegaseStudents struct {
	// IDTURL and INSURL are the bases of the IDT and INS APIs, e.g.
	// https://idt.<env>.pc-scol.fr/api/idt/ext/v1.
	IDTURL string `yaml:"idt_url"`
	INSURL string `yaml:"ins_url"`
	// Structure is the établissement's codeStructure (ETAB00…).
	Structure string `yaml:"structure"`
	// Period is the codePeriode of the enrolments being activated.
	Period string `yaml:"period"`
	// TokenURL is the CAS ticket endpoint
	// (https://authn-app.<env>.pc-scol.fr/cas/v1/tickets).
	TokenURL string `yaml:"token_url"`
	Username string `yaml:"username"`
	Password Secret `yaml:"password"`
	// EmailContact and MobileContact are the codes of the contact
	// requests holding the student's own e-mail and mobile in the
	// enrolment feed (sync); empty takes the first of the student's own.
	EmailContact  string   `yaml:"email_contact"`
	MobileContact string   `yaml:"mobile_contact"`
	Region        string   `yaml:"region"`    // default FR
	Timeout       Duration `yaml:"timeout"`   // per lookup; default 5s
	PageSize      int      `yaml:"page_size"` // enrolment feed page; default 500, the API's maximum
}

func (p *PegaseStudents) setDefaults() {
	p.Region, p.Timeout, p.PageSize = "FR", Duration(5*time.Second), 500
}

func (p *PegaseStudents) check(path string, r *report) {
	for key, u := range map[string]string{"idt_url": p.IDTURL, "ins_url": p.INSURL, "token_url": p.TokenURL} {
		if r.required(path+"."+key, u) {
			r.webURL(path+"."+key, u)
		}
	}
	r.required(path+".structure", p.Structure)
	r.required(path+".period", p.Period)
	r.required(path+".username", p.Username)
	if !p.Password.IsSet() {
		r.add(path+".password", "required (password_file, or %s)", p.Password.EnvName())
	}
	r.region(path+".region", p.Region)
	r.between(path+".timeout", p.Timeout.D(), 100*time.Millisecond, time.Minute)
	r.intBetween(path+".page_size", p.PageSize, 1, 500)
}

func (p *PegaseStudents) describe() string {
	return fmt.Sprintf("%s, structure %s, period %s, account %s password %s", p.IDTURL, p.Structure, p.Period,
		p.Username, secretState(p.Password))
}

// Settings is the source's own configuration, as open passes it.
func (p *PegaseStudents) Settings() any {
	return students.PegaseConfig{
		IDTURL: p.IDTURL, INSURL: p.INSURL, Structure: p.Structure, Period: p.Period,
		TokenURL: p.TokenURL, Username: p.Username, Password: p.Password.Value(),
		EmailContact: p.EmailContact, MobileContact: p.MobileContact,
		Region: p.Region, Timeout: p.Timeout.D(), PageSize: p.PageSize,
	}
}

func (p *PegaseStudents) open(ctx context.Context, _ *slog.Logger) (StudentSource, func() error, error) {
	s, err := students.NewPegase(ctx, p.Settings().(students.PegaseConfig))
	if err != nil {
		return nil, nil, fmt.Errorf("students.pegase: %w", err)
	}
	return s, func() error { return nil }, nil
}
