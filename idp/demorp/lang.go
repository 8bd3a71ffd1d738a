package demorp

import (
	"net/http"
	"time"
)

// The demo PJ Web speaks French and English, like Seuil: ?lang= switches
// and a cookie remembers, and the sign-in passes the choice to Seuil as
// ui_locales so that both sides agree.
var texts = map[string]map[string]string{
	"fr": {
		"brand.tag": "— dépôt des pièces justificatives (démonstration)", "nav": "Navigation principale",
		"home": "Accueil", "welcome": "Bienvenue", "yours": "Vos informations", "failed": "Connexion impossible",
		"who": "Connecté en tant que", "caption": "Informations transmises par Seuil",
		"col.info": "Information", "col.value": "Valeur", "logout": "Se déconnecter",
		"lead":  "Déposez en ligne les pièces justificatives de votre inscription. Connectez-vous avec le compte numérique de l'université.",
		"login": "Se connecter", "create": "Créer mon compte",
		"hint":   "Première connexion ? « Créer mon compte » active votre compte numérique avec votre numéro étudiant.",
		"footer": "Application de démonstration : elle montre ce qu'un service de l'université reçoit de Seuil.",
		"title":  "PJ Web (démo)", "languages": "Langue",
	},
	"en": {
		"brand.tag": "— enrolment documents upload (demo)", "nav": "Main navigation",
		"home": "Home", "welcome": "Welcome", "yours": "Your details", "failed": "Sign-in failed",
		"who": "Signed in as", "caption": "Details Seuil sent",
		"col.info": "Detail", "col.value": "Value", "logout": "Sign out",
		"lead":  "Upload the documents of your enrolment. Sign in with your university digital account.",
		"login": "Sign in", "create": "Create my account",
		"hint":   "First time? “Create my account” activates your digital account with your student number.",
		"footer": "Demo application: it shows what a university service receives from Seuil.",
		"title":  "PJ Web (demo)", "languages": "Language",
	},
}

// claimLabels say what each claim is, for a reader who is not a
// developer; the claim's own name is shown beside.
var claimLabels = map[string]map[string]string{
	"fr": {"sub": "Identifiant opaque", "preferred_username": "Nom de connexion", "name": "Nom complet",
		"given_name": "Prénom", "family_name": "Nom", "email": "E-mail", "email_verified": "E-mail vérifié",
		"supannEtuId": "Numéro étudiant", "eduPersonAffiliation": "Affiliation", "auth_time": "Heure de connexion",
		"iat": "Jeton émis le", "exp": "Jeton valable jusqu'au", "iss": "Émetteur", "aud": "Destinataire",
		"amr": "Méthodes d'authentification", "acr": "Niveau d'authentification", "sid": "Session", "nonce": "Nonce",
		"at_hash": "Empreinte du jeton d'accès", "rat": "Demande faite le", "azp": "Partie autorisée", "jti": "Identifiant du jeton"},
	"en": {"sub": "Opaque identifier", "preferred_username": "Login", "name": "Full name",
		"given_name": "First name", "family_name": "Last name", "email": "E-mail", "email_verified": "E-mail verified",
		"supannEtuId": "Student number", "eduPersonAffiliation": "Affiliation", "auth_time": "Signed in at",
		"iat": "Token issued at", "exp": "Token valid until", "iss": "Issuer", "aud": "Audience",
		"amr": "Authentication methods", "acr": "Authentication level", "sid": "Session", "nonce": "Nonce",
		"at_hash": "Access token hash", "rat": "Requested at", "azp": "Authorised party", "jti": "Token identifier"},
}

const langCookie = "pjweb_lang"

// language picks the page's language: ?lang=, then the cookie, then
// French; an explicit choice is remembered.
func language(w http.ResponseWriter, r *http.Request) string {
	if l := r.URL.Query().Get("lang"); texts[l] != nil {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l, Path: "/", HttpOnly: true,
			SameSite: http.SameSiteLaxMode, MaxAge: int(365 * 24 * time.Hour / time.Second)})
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil && texts[c.Value] != nil {
		return c.Value
	}
	return "fr"
}

// T is a page's translator.
type T map[string]string

func (t T) Get(k string) string { return t[k] }
