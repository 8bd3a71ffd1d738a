package students

// The shapes Pégase's external APIs answer with, reduced to the fields
// Seuil reads. Field names are those of the published OpenAPI files
// (IDT ext v1 1.6.0, INS ext v2 2.6.x); unknown fields are ignored, so a
// newer Pégase that adds some does not break the source.

// idtPage is IDT's PagedIdentiteApprenantSummaries.
type idtPage struct {
	Items      []idtSummary `json:"items"`
	TotalPages int          `json:"totalPages"`
	Page       int          `json:"page"`
}

// idtSummary is IDT's IdentiteApprenantSummary: who the learner is, not
// how to reach them.
type idtSummary struct {
	ID            string `json:"id"`
	CodeApprenant string `json:"codeApprenant"`
}

// idtDetail is IDT's IdentiteImmatriculeeDetail.
type idtDetail struct {
	NomNaissance      string `json:"nomNaissance"`
	Prenom            string `json:"prenom"`
	Email             string `json:"email"`
	TelephonePortable string `json:"telephonePortablePersonnel"`
	StatutIne         string `json:"statutIne"`
	Profil            struct {
		CodeApprenant    string   `json:"codeApprenant"`
		IneMaitre        string   `json:"ineMaitre"`
		Alternatifs      []string `json:"listeINEsAlternatifs"`
		DoublonPotentiel bool     `json:"temoinDoublonPotentiel"`
		EtatCivil        struct {
			DateNaissance string `json:"dateNaissance"`
		} `json:"etatCivil"`
	} `json:"profilApprenant"`
}

// insDossier is INS's ApprenantEtInscriptions.
type insDossier struct {
	Inscriptions []struct {
		Statut string `json:"statutInscription"` // valide | annulee
		Cible  struct {
			Periode struct {
				Code  string `json:"code"`
				Annee int    `json:"anneeUniversitaire"`
			} `json:"periode"`
		} `json:"cible"`
	} `json:"inscriptions"`
}

// insFlux is INS's VueInscriptions, the paged feed of enrolments (the
// "flux des comptes" that account provisioning reads).
type insFlux struct {
	Resultats  []insVue `json:"resultats"`
	TotalPages int      `json:"totalPages"`
	Page       int      `json:"page"`
}

// insVue is one VueInscription.
type insVue struct {
	CodeApprenant   string       `json:"codeApprenant"`
	INE             string       `json:"INE"`
	NomFamille      string       `json:"nomFamille"`
	Prenom          string       `json:"prenom"`
	DateDeNaissance string       `json:"dateDeNaissance"`
	Statut          string       `json:"statutInscription"`
	Annee           int          `json:"anneeUniversitaire"`
	Mels            []insContact `json:"mels"`
	Telephones      []insContact `json:"telephones"`
}

// insContact is a VueContactMel or VueContactTelephone; Proprietaire is
// set when the contact is someone else's (a parent, an emergency contact).
type insContact struct {
	Code         string `json:"code"`
	Proprietaire string `json:"proprietaire"`
	Mail         string `json:"mail"`
	Telephone    string `json:"telephone"`
}
