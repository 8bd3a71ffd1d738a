package students

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// PegaseConfig configures a student source read from Pégase (PC-SCOL)
// through its external REST APIs: IDT for identities, INS for
// enrolments.
type PegaseConfig struct {
	// IDTURL and INSURL are the APIs' bases, e.g.
	// https://idt.<env>.pc-scol.fr/api/idt/ext/v1 and
	// https://ins.<env>.pc-scol.fr/api/ins/ext/v2.
	IDTURL, INSURL string
	// Structure is the établissement's codeStructure (e.g. ETAB00).
	Structure string
	// Period is the codePeriode of the enrolment period being
	// activated (e.g. PER-2026): a learner without a valid enrolment in
	// it is held (HoldNotEnrolled), and sync reads that period's feed.
	Period string
	// TokenURL is Pégase's CAS ticket endpoint
	// (https://authn-app.<env>.pc-scol.fr/cas/v1/tickets); Username and
	// Password are the API account's.
	TokenURL, Username, Password string
	// EmailContact and MobileContact are the codes of the contact
	// requests (demandes de contact) that hold the student's own e-mail
	// and mobile in the enrolment feed, which sync reads; empty takes
	// the first of the student's own (no proprietaire).
	EmailContact, MobileContact string
	Region                      string        // default "FR"
	Timeout                     time.Duration // per lookup; default 5s
	PageSize                    int           // bulk page; default and maximum 500
	// HTTPClient is used for every call; nil takes a client without a
	// timeout of its own (Timeout bounds each lookup).
	HTTPClient *http.Client
}

// Pegase is a student source backed by Pégase. A lookup is three calls:
// the IDT search by codeApprenant, then, side by side, the identity's
// detail (contacts, INE status, duplicate flag) and the learner's INS
// file (enrolments). The INE and the phone are compared by Seuil, in
// constant time, never sent as search criteria: a search by INE would
// make Pégase the oracle of the coherence check.
type Pegase struct {
	cfg   PegaseConfig
	http  *http.Client
	token *casToken
}

// NewPegase checks cfg and gets a first token, so that wrong
// credentials stop the start rather than the first student.
func NewPegase(ctx context.Context, cfg PegaseConfig) (*Pegase, error) {
	if cfg.Region == "" {
		cfg.Region = "FR"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.PageSize <= 0 || cfg.PageSize > 500 {
		cfg.PageSize = 500
	}
	for name, u := range map[string]string{"IDT": cfg.IDTURL, "INS": cfg.INSURL, "token": cfg.TokenURL} {
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" {
			return nil, fmt.Errorf("students: pegase: the %s URL %q is not an http(s) URL", name, u)
		}
	}
	if cfg.Structure == "" || cfg.Period == "" {
		return nil, errors.New("students: pegase: structure and period are required")
	}
	cfg.IDTURL, cfg.INSURL = strings.TrimSuffix(cfg.IDTURL, "/"), strings.TrimSuffix(cfg.INSURL, "/")
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	p := &Pegase{cfg: cfg, http: hc, token: &casToken{url: cfg.TokenURL, user: cfg.Username, pass: cfg.Password, http: hc, now: time.Now}}
	tctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	if _, err := p.token.get(tctx); err != nil {
		return nil, err
	}
	return p, nil
}

// Lookup finds the learner whose codeApprenant is studentID.
func (p *Pegase) Lookup(ctx context.Context, studentID string) (Record, error) {
	if !studentIDPattern.MatchString(studentID) {
		return Record{}, ErrNotFound // "*" or "%" must match nothing, here as everywhere
	}
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	q := url.Values{"codeApprenant": {studentID}, "exact": {"true"}, "page": {"0"}, "taille": {"2"}}
	var page idtPage
	if err := p.get(ctx, p.idt("identites", "apprenants")+"?"+q.Encode(), &page); err != nil {
		return Record{}, err
	}
	var found []idtSummary
	for _, it := range page.Items {
		if it.CodeApprenant == studentID { // exact, whatever the server's idea of "exact"
			found = append(found, it)
		}
	}
	switch len(found) {
	case 0:
		return Record{}, ErrNotFound
	case 1:
	default:
		return Record{}, fmt.Errorf("students: pegase: %d identities hold the code apprenant %s", len(found), studentID)
	}

	// The detail and the enrolments do not depend on each other.
	var (
		detail  idtDetail
		dossier insDossier
		insErr  = make(chan error, 1)
	)
	go func() {
		insErr <- p.get(ctx, p.ins("gestion", "inscription", p.cfg.Structure, studentID)+"/", &dossier)
	}()
	detailErr := p.get(ctx, p.idt("identites", found[0].ID), &detail)
	enrolErr := <-insErr
	if errors.Is(detailErr, ErrNotFound) {
		// Gone between the two calls (merged as a duplicate): as absent.
		return Record{}, ErrNotFound
	}
	if detailErr != nil {
		return Record{}, detailErr
	}
	if enrolErr != nil && !errors.Is(enrolErr, ErrNotFound) {
		return Record{}, enrolErr
	}
	return p.record(studentID, &detail, &dossier)
}

// record builds the Record of a looked-up learner, with its hold.
func (p *Pegase) record(studentID string, d *idtDetail, ins *insDossier) (Record, error) {
	ine := d.Profil.IneMaitre
	if ine == "" && len(d.Profil.Alternatifs) > 0 {
		ine = d.Profil.Alternatifs[0] // INES has not named a master INE yet
	}
	var raw [numFields]string
	raw[fStudentID], raw[fINE], raw[fLastName], raw[fFirstName] = studentID, ine, d.NomNaissance, d.Prenom
	raw[fBirthDate], raw[fMobile], raw[fEmail] = d.Profil.EtatCivil.DateNaissance, d.TelephonePortable, d.Email
	year := 0
	enrolled := false
	for _, in := range ins.Inscriptions {
		if in.Statut == "valide" && in.Cible.Periode.Code == p.cfg.Period {
			enrolled, year = true, in.Cible.Periode.Annee
			break
		}
	}
	if year > 0 {
		raw[fYear] = strconv.Itoa(year)
	}
	rec, err := parseRow(&raw, p.cfg.Region)
	if err != nil {
		return Record{}, fmt.Errorf("students: pegase: learner %s: %w", studentID, err)
	}
	switch {
	case d.StatutIne != "CONFIRME":
		rec.Hold = HoldINE
	case d.Profil.DoublonPotentiel:
		rec.Hold = HoldDuplicate
	case !enrolled:
		rec.Hold = HoldNotEnrolled
	}
	return rec, nil
}

// All reads the period's enrolment feed, page by page: every learner
// with a valid enrolment, once, however many enrolments they hold.
func (p *Pegase) All(ctx context.Context, fn func(Record) error, bad func(*RowError)) error {
	seen := map[string]bool{}
	for page, line := 0, 0; ; page++ {
		q := url.Values{"codePeriode": {p.cfg.Period}, "page": {strconv.Itoa(page)}, "taille": {strconv.Itoa(p.cfg.PageSize)}}
		var flux insFlux
		pctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
		err := p.get(pctx, p.ins("gestion", "flux-inscriptions", "pagine")+"?"+q.Encode(), &flux)
		cancel()
		if err != nil {
			return fmt.Errorf("students: pegase: enrolment feed page %d: %w", page, err)
		}
		for i := range flux.Resultats {
			line++
			v := &flux.Resultats[i]
			if v.Statut != "valide" || seen[v.CodeApprenant] {
				continue
			}
			rec, err := p.fluxRecord(v)
			if err != nil {
				bad(&RowError{Line: line, Key: v.CodeApprenant, Err: err})
				continue
			}
			seen[v.CodeApprenant] = true
			if err := fn(rec); err != nil {
				return err
			}
		}
		if page+1 >= flux.TotalPages || len(flux.Resultats) == 0 {
			return ctx.Err()
		}
	}
}

func (p *Pegase) fluxRecord(v *insVue) (Record, error) {
	var raw [numFields]string
	raw[fStudentID], raw[fINE], raw[fLastName], raw[fFirstName] = v.CodeApprenant, v.INE, v.NomFamille, v.Prenom
	raw[fBirthDate] = v.DateDeNaissance
	raw[fEmail] = ownContact(v.Mels, p.cfg.EmailContact).Mail
	raw[fMobile] = ownContact(v.Telephones, p.cfg.MobileContact).Telephone
	if v.Annee > 0 {
		raw[fYear] = strconv.Itoa(v.Annee)
	}
	return parseRow(&raw, p.cfg.Region)
}

// ownContact picks the student's own contact with that code, or the
// first of their own when code is empty; someone else's (a parent's,
// flagged by proprietaire) is never a place to send a code.
func ownContact(list []insContact, code string) insContact {
	for _, c := range list {
		if c.Proprietaire == "" && (code == "" || c.Code == code) {
			return c
		}
	}
	return insContact{}
}

func (p *Pegase) idt(parts ...string) string {
	return p.cfg.IDTURL + "/etablissements/" + url.PathEscape(p.cfg.Structure) + "/" + escapePath(parts)
}

func (p *Pegase) ins(parts ...string) string { return p.cfg.INSURL + "/" + escapePath(parts) }

func escapePath(parts []string) string {
	out := make([]string, len(parts))
	for i, s := range parts {
		out[i] = url.PathEscape(s)
	}
	return strings.Join(out, "/")
}

// get calls a Pégase API with the bearer token and decodes its JSON
// answer: 404 is ErrNotFound; a 401 takes a new token and tries once
// more (the token was revoked or expired early); any other failure is
// an error the student hears as "unavailable", never as a mismatch.
func (p *Pegase) get(ctx context.Context, u string, out any) error {
	for try := 0; ; try++ {
		tok, err := p.token.get(ctx)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return fmt.Errorf("students: pegase: %w", err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept", "application/json")
		resp, err := p.http.Do(req)
		if err != nil {
			return fmt.Errorf("students: pegase: %s: %w", redactURL(u), err)
		}
		switch {
		case resp.StatusCode == http.StatusUnauthorized && try == 0:
			drain(resp)
			p.token.forget(tok)
			continue
		case resp.StatusCode == http.StatusNotFound:
			drain(resp)
			return ErrNotFound
		case resp.StatusCode != http.StatusOK:
			drain(resp)
			return fmt.Errorf("students: pegase: %s: HTTP %d", redactURL(u), resp.StatusCode)
		}
		err = json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(out)
		drain(resp)
		if err != nil {
			return fmt.Errorf("students: pegase: %s: reading the answer: %w", redactURL(u), err)
		}
		return nil
	}
}

// redactURL drops the query, which holds a student number, from errors
// that reach the log.
func redactURL(u string) string {
	path, _, _ := strings.Cut(u, "?")
	return path
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
}
