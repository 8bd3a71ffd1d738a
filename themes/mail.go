package themes

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"path"
	"strings"
	texttemplate "text/template"
)

// Mail is a rendered e-mail: subject, plain text and HTML bodies.
type Mail struct {
	Subject, Text, HTML string
}

// MailView is what mail templates receive: {{.T "key"}} and .Data.
type MailView struct {
	Translator
	Data any
}

type mailTemplates struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// loadMails parses templates/mail_<name>.txt and .html; a mail needs both.
func (t *Theme) loadMails(fsys fs.FS) error {
	t.mails = map[string]mailTemplates{}
	files, err := fs.Glob(fsys, "templates/mail_*.txt")
	if err != nil {
		return err
	}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(path.Base(f), "mail_"), ".txt")
		txt, err := fs.ReadFile(fsys, f)
		if err != nil {
			return err
		}
		htm, err := fs.ReadFile(fsys, "templates/mail_"+name+".html")
		if err != nil {
			return fmt.Errorf("theme %s: mail %s: %w", t.Name, name, err)
		}
		tt, err := texttemplate.New(name).Parse(string(txt))
		if err != nil {
			return fmt.Errorf("theme %s: %s: %w", t.Name, f, err)
		}
		ht, err := htmltemplate.New(name).Parse(string(htm))
		if err != nil {
			return fmt.Errorf("theme %s: mail_%s.html: %w", t.Name, name, err)
		}
		t.mails[name] = mailTemplates{text: tt, html: ht}
	}
	return nil
}

// RenderMail renders mail name in lang; its subject is the translation of
// "mail.<name>.subject", formatted with subjectArgs.
func (t *Theme) RenderMail(name, lang string, data any, subjectArgs ...any) (Mail, error) {
	return t.RenderMailWith(name, t.Translator(lang), data, subjectArgs...)
}

// RenderMailWith renders mail name with tr: a flow's translator
// (Translator.ForFlow) gives the mail that flow's own words.
func (t *Theme) RenderMailWith(name string, tr Translator, data any, subjectArgs ...any) (Mail, error) {
	m, ok := t.mails[name]
	if !ok {
		return Mail{}, fmt.Errorf("theme %s: no mail %q", t.Name, name)
	}
	v := MailView{Translator: tr, Data: data}
	var txt, htm bytes.Buffer
	if err := m.text.Execute(&txt, v); err != nil {
		return Mail{}, fmt.Errorf("theme %s: mail %s: %w", t.Name, name, err)
	}
	if err := m.html.Execute(&htm, v); err != nil {
		return Mail{}, fmt.Errorf("theme %s: mail %s: %w", t.Name, name, err)
	}
	return Mail{Subject: v.T("mail."+name+".subject", subjectArgs...), Text: txt.String(), HTML: htm.String()}, nil
}

// Mails lists the theme's mail names.
func (t *Theme) Mails() []string {
	out := make([]string, 0, len(t.mails))
	for n := range t.mails {
		out = append(out, n)
	}
	return out
}
