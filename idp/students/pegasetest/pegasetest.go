// Package pegasetest is a Pégase that tests can start: Pégase's CAS
// ticket endpoint (token=true), IDT's learner search and identity
// detail, INS's learner file and paged enrolment feed. It answers with
// the paths, parameters, field names, paging and error shapes of the
// published OpenAPI files (IDT ext v1 1.6.0, INS ext v2 2.6.x), written
// from their text; it refuses what they refuse (an unknown parameter, a
// page over 500, a missing or expired token), and can be made slow or
// failing.
package pegasetest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Learner is one learner as Pégase holds them.
type Learner struct {
	Code         string   // codeApprenant
	INE          string   // ineMaitre
	Alternatives []string // listeINEsAlternatifs
	LastName     string   // nomNaissance / nomFamille
	FirstName    string   // prenom
	BirthDate    string   // yyyy-mm-dd
	Mobile       string   // telephonePortablePersonnel
	Email        string   // email
	INEStatus    string   // statutIne; empty: CONFIRME
	Duplicate    bool     // temoinDoublonPotentiel
	Enrolments   []Enrolment
	// Others are contacts that belong to someone else (a parent's
	// phone), listed first in the enrolment feed.
	Others []Contact
}

// Enrolment is one inscription.
type Enrolment struct {
	Period    string // codePeriode, e.g. PER-2026
	Year      int    // anneeUniversitaire; 0: absent
	Status    string // valide | annulee; empty: valide
	Principal bool
}

// Contact is a VueContactMel (Mail set) or VueContactTelephone.
type Contact struct {
	Code, Owner, Mail, Phone string
}

// Contact codes the feed gives the learner's own e-mail and mobile.
const (
	EmailCode  = "MEL_PERSO"
	MobileCode = "TEL_PORTABLE"
)

// Server is the fake Pégase.
type Server struct {
	*httptest.Server
	Structure      string // codeStructure; others answer 403
	User, Password string // the API account the CAS accepts

	// TokenLife is how long a token lasts (exp claim); default 1h.
	TokenLife atomic.Int64
	// Delay is added to every API answer (not the CAS's).
	Delay atomic.Int64
	// Fail, when set, is the status of every API answer.
	Fail atomic.Int32

	// Counters, for tests that count calls.
	Tokens, Calls atomic.Int64

	key []byte
	mu  sync.Mutex
	all []*learner
	tok map[string]time.Time // issued token → expiry
}

type learner struct {
	Learner
	id string // UUID
}

// Start starts a Pégase for structure ETAB00, account "seuil".
func Start(tb testing.TB) *Server {
	s := &Server{Structure: "ETAB00", User: "seuil", Password: "api-secret", key: make([]byte, 32), tok: map[string]time.Time{}}
	rand.Read(s.key)
	s.TokenLife.Store(int64(time.Hour))
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.Close)
	return s
}

// IDTURL, INSURL and TokenURL are the bases to configure.
func (s *Server) IDTURL() string   { return s.URL + "/api/idt/ext/v1" }
func (s *Server) INSURL() string   { return s.URL + "/api/ins/ext/v2" }
func (s *Server) TokenURL() string { return s.URL + "/cas/v1/tickets" }

// Add stores learners.
func (s *Server) Add(ls ...Learner) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range ls {
		s.all = append(s.all, &learner{Learner: l, id: uuid()})
	}
}

// Revoke makes every token issued so far unusable (as a CAS restart
// would), so the next call is refused with 401.
func (s *Server) Revoke() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tok)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/cas/v1/tickets" {
		s.ticket(w, r)
		return
	}
	s.Calls.Add(1)
	if d := time.Duration(s.Delay.Load()); d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
	}
	if !s.authorised(r) {
		problem(w, http.StatusUnauthorized, "unauthorized", "jeton absent, invalide ou expiré")
		return
	}
	if f := s.Fail.Load(); f != 0 {
		problems(w, r, int(f))
		return
	}
	if r.Method != http.MethodGet {
		problem(w, http.StatusMethodNotAllowed, "method", "méthode non prise en charge")
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case match(parts, "api", "idt", "ext", "v1", "etablissements", "*", "identites", "apprenants"):
		s.search(w, r, parts[5])
	case match(parts, "api", "idt", "ext", "v1", "etablissements", "*", "identites", "*"):
		s.identity(w, r, parts[5], parts[7])
	case match(parts, "api", "ins", "ext", "v2", "gestion", "inscription", "*", "*") && strings.HasSuffix(r.URL.Path, "/"):
		s.dossier(w, r, parts[6], parts[7])
	case match(parts, "api", "ins", "ext", "v2", "gestion", "flux-inscriptions", "pagine"):
		s.flux(w, r)
	default:
		problem(w, http.StatusNotFound, "notFound", "ressource inexistante")
	}
}

func match(parts []string, want ...string) bool {
	if len(parts) != len(want) {
		return false
	}
	for i, w := range want {
		if w != "*" && parts[i] != w {
			return false
		}
	}
	return true
}

// ticket is the CAS REST endpoint with token=true: the body of the
// answer is the JWT.
func (s *Server) ticket(w http.ResponseWriter, r *http.Request) {
	s.Tokens.Add(1)
	if r.Method != http.MethodPost || r.ParseForm() != nil || r.PostForm.Get("token") != "true" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if !hmac.Equal([]byte(r.PostForm.Get("username")), []byte(s.User)) ||
		!hmac.Equal([]byte(r.PostForm.Get("password")), []byte(s.Password)) {
		http.Error(w, "authentication failed", http.StatusUnauthorized)
		return
	}
	exp := time.Now().Add(time.Duration(s.TokenLife.Load()))
	payload, _ := json.Marshal(map[string]any{"sub": s.User, "exp": exp.Unix(), "jti": uuid()})
	head := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	body := head + "." + base64.RawURLEncoding.EncodeToString(payload)
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(body))
	tok := body + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	s.mu.Lock()
	s.tok[tok] = exp
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusCreated)
	fmt.Fprint(w, tok)
}

func (s *Server) authorised(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.tok[tok]
	return ok && time.Now().Before(exp)
}

// params checks the query against the operation's parameters.
func params(w http.ResponseWriter, r *http.Request, allowed ...string) (url.Values, bool) {
	q := r.URL.Query()
	for k := range q {
		known := false
		for _, a := range allowed {
			known = known || k == a
		}
		if !known {
			problem(w, http.StatusBadRequest, "invalide", "paramètre inconnu : "+k)
			return nil, false
		}
	}
	return q, true
}

// pageable reads page and taille (the Pageable object, form-exploded).
func pageable(w http.ResponseWriter, q url.Values, def, max int, required bool) (page, size int, ok bool) {
	if required && q.Get("taille") == "" {
		problem(w, http.StatusBadRequest, "notNull", "la pagination est obligatoire")
		return 0, 0, false
	}
	page, size = 0, def
	var err error
	if v := q.Get("page"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 0 {
			problem(w, http.StatusBadRequest, "invalide", "page invalide")
			return 0, 0, false
		}
	}
	if v := q.Get("taille"); v != "" {
		if size, err = strconv.Atoi(v); err != nil || size == 0 || size < -1 || size > max {
			problem(w, http.StatusBadRequest, "size", fmt.Sprintf("taille invalide (1 à %d)", max))
			return 0, 0, false
		}
	}
	return page, size, true
}

func slice[T any](all []T, page, size int) (items []T, pages int) {
	if size == -1 {
		size = max(len(all), 1)
	}
	pages = (len(all) + size - 1) / size
	lo := page * size
	if lo >= len(all) {
		return []T{}, pages
	}
	return all[lo:min(lo+size, len(all))], pages
}

func (s *Server) structure(w http.ResponseWriter, code string) bool {
	if code != s.Structure {
		problem(w, http.StatusForbidden, "forbidden", "accès refusé à cet établissement")
		return false
	}
	return true
}

// search is rechercherIdentiteApprenant.
func (s *Server) search(w http.ResponseWriter, r *http.Request, structure string) {
	q, ok := params(w, r, "page", "taille", "tri", "prenom", "nom", "codeApprenant", "ine", "actif", "exact", "doublonPotentiel", "etatIneMaitre")
	if !ok || !s.structure(w, structure) {
		return
	}
	page, size, ok := pageable(w, q, 10, 500, false)
	if !ok {
		return
	}
	exact := q.Get("exact") != "false"
	is := func(have, want string) bool {
		if exact {
			return have == want
		}
		return strings.Contains(strings.ToLower(have), strings.ToLower(want))
	}
	var hits []map[string]any
	s.mu.Lock()
	for _, l := range s.all {
		if c := q.Get("codeApprenant"); c != "" && !is(l.Code, c) {
			continue
		}
		if ine := q.Get("ine"); ine != "" && !is(l.INE, ine) && !anyIs(l.Alternatives, ine, is) {
			continue
		}
		if d := q.Get("doublonPotentiel"); d != "" && strconv.FormatBool(l.Duplicate) != d {
			continue
		}
		if st := q.Get("etatIneMaitre"); st != "" && l.status() != st {
			continue
		}
		hits = append(hits, map[string]any{
			"id": l.id, "identifiantApprenantPegase": "P" + l.Code, "nomNaissance": l.LastName, "prenom": l.FirstName,
			"sexe": "F", "codeApprenant": l.Code, "ineMaitre": l.INE, "inesSupplementaires": nonNil(l.Alternatives),
			"dateNaissance": l.BirthDate, "temoinDoublonPotentiel": l.Duplicate,
		})
	}
	s.mu.Unlock()
	items, pages := slice(hits, page, size)
	answer(w, map[string]any{"items": nonNil(items), "totalElements": len(hits), "totalPages": pages, "taille": size, "page": page})
}

func anyIs(list []string, want string, is func(a, b string) bool) bool {
	for _, x := range list {
		if is(x, want) {
			return true
		}
	}
	return false
}

func (l *learner) status() string {
	if l.INEStatus == "" {
		return "CONFIRME"
	}
	return l.INEStatus
}

// identity is lireIdentiteByUUID.
func (s *Server) identity(w http.ResponseWriter, r *http.Request, structure, id string) {
	if _, ok := params(w, r); !ok || !s.structure(w, structure) {
		return
	}
	s.mu.Lock()
	var l *learner
	for _, x := range s.all {
		if x.id == id {
			l = x
		}
	}
	s.mu.Unlock()
	if l == nil {
		problem(w, http.StatusNotFound, "notFound", "l'identité n'existe pas")
		return
	}
	w.Header().Set("ETag", `W/"1"`)
	detail := map[string]any{
		"id": l.id, "identifiantApprenantPegase": "P" + l.Code, "nomNaissance": l.LastName, "prenom": l.FirstName,
		"email": l.Email, "statutIne": l.status(), "temoinVerrouille": false,
		"profilApprenant": map[string]any{
			"codeApprenant": l.Code, "ineMaitre": l.INE, "listeINEsAlternatifs": nonNil(l.Alternatives),
			"temoinDoublonPotentiel": l.Duplicate, "temoinDecede": false,
			"etatCivil": map[string]any{"sexe": "F", "dateNaissance": l.BirthDate},
		},
	}
	if l.Mobile != "" {
		detail["telephonePortablePersonnel"] = l.Mobile
	}
	answer(w, detail)
}

// dossier is lireInscriptions.
func (s *Server) dossier(w http.ResponseWriter, r *http.Request, structure, code string) {
	if _, ok := params(w, r); !ok || !s.structure(w, structure) {
		return
	}
	l := s.byCode(code)
	if l == nil {
		problem(w, http.StatusNotFound, "notFound", "apprenant introuvable")
		return
	}
	ins := []map[string]any{}
	for _, e := range l.Enrolments {
		ins = append(ins, map[string]any{
			"idApprenant": l.id, "codeEtablissement": s.Structure, "principale": e.Principal,
			"statutInscription": e.status(), "statutPaiement": "paye", "dateInscription": "2026-07-10",
			"cible": map[string]any{"code": "LIC-INFO", "codeStructure": s.Structure,
				"periode": period(e)},
		})
	}
	answer(w, map[string]any{"apprenant": map[string]any{"code": l.Code}, "inscriptions": ins})
}

func period(e Enrolment) map[string]any {
	p := map[string]any{"code": e.Period, "libelleAffichage": "Période " + e.Period}
	if e.Year > 0 {
		p["anneeUniversitaire"] = e.Year
	}
	return p
}

func (e Enrolment) status() string {
	if e.Status == "" {
		return "valide"
	}
	return e.Status
}

func (s *Server) byCode(code string) *learner {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.all {
		if l.Code == code {
			return l
		}
	}
	return nil
}

// flux is listerFluxInscriptionsPagine: one row per enrolment.
func (s *Server) flux(w http.ResponseWriter, r *http.Request) {
	q, ok := params(w, r, "depuis", "jusqua", "photo", "codePeriode", "page", "taille", "codeApprenant")
	if !ok {
		return
	}
	page, size, ok := pageable(w, q, 50, 500, true)
	if !ok {
		return
	}
	if size == -1 {
		problem(w, http.StatusBadRequest, "size", "taille limitée à 500")
		return
	}
	var rows []map[string]any
	s.mu.Lock()
	for _, l := range s.all {
		if c := q.Get("codeApprenant"); c != "" && l.Code != c {
			continue
		}
		for _, e := range l.Enrolments {
			if p := q.Get("codePeriode"); p != "" && e.Period != p {
				continue
			}
			rows = append(rows, vue(l, e, s.Structure))
		}
	}
	s.mu.Unlock()
	items, pages := slice(rows, page, size)
	answer(w, map[string]any{"taille": size, "resultats": nonNil(items), "totalElements": len(rows), "page": page, "totalPages": pages})
}

func vue(l *learner, e Enrolment, structure string) map[string]any {
	mels, tels := []map[string]any{}, []map[string]any{}
	for _, c := range l.Others {
		entry := map[string]any{"code": c.Code, "libelle": c.Code, "proprietaire": c.Owner}
		if c.Mail != "" {
			entry["canalCommunication"], entry["mail"] = "VueContactMel", c.Mail
			mels = append(mels, entry)
		} else {
			entry["canalCommunication"], entry["telephone"] = "VueContactTelephone", c.Phone
			tels = append(tels, entry)
		}
	}
	if l.Email != "" {
		mels = append(mels, map[string]any{"canalCommunication": "VueContactMel", "code": EmailCode, "libelle": "Courriel personnel", "mail": l.Email})
	}
	if l.Mobile != "" {
		tels = append(tels, map[string]any{"canalCommunication": "VueContactTelephone", "code": MobileCode, "libelle": "Portable", "telephone": l.Mobile})
	}
	v := map[string]any{
		"UAI": "0370800U", "idApprenant": l.id, "codeApprenant": l.Code, "INE": l.INE, "civilite": "F",
		"nomUsage": l.LastName, "nomFamille": l.LastName, "prenom": l.FirstName, "dateDeNaissance": l.BirthDate,
		"nationalite": "100", "droitPhoto": false, "regime": "1", "bourses": []string{}, "chemin": []any{},
		"adresses": []any{}, "mels": mels, "telephones": tels, "formation": "LIC-INFO", "mobilite": "SANS",
		"dateInscription": "2026-07-10T00:00:00", "derniereModification": 1783670400, "derniereModificationApprenant": 1783670400,
		"periode": "Période " + e.Period, "statutPaiement": "paye", "statutInscription": e.status(),
		"inscriptionPrincipale": e.Principal,
	}
	if e.Year > 0 {
		v["anneeUniversitaire"] = e.Year
	}
	return v
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func answer(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// problem answers with the Erreur shape.
func problem(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"code": code, "message": message})
}

// problems answers with the Erreurs shape of the operations' default
// answer.
func problems(w http.ResponseWriter, r *http.Request, status int) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"correlationId": uuid(), "timestamp": time.Now().UTC().Format(time.RFC3339), "version": "1.6.0",
		"path": r.URL.Path, "statusCode": strconv.Itoa(status),
		"errors": []map[string]string{{"code": "technique", "message": "erreur technique rencontrée par le serveur"}},
	})
}

func uuid() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
