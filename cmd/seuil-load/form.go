package main

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// loginForm is the sign-in form of a provider's HTML page: where to post
// it, the fields a browser would send as they are (hidden inputs, a named
// submit button), and the names of the user and password inputs.
type loginForm struct {
	Action   *url.URL
	Fields   url.Values
	User     string
	Password string
}

// errNoLoginForm: the page has no form with a password input.
var errNoLoginForm = errors.New("no <form> with a password input on the page")

// userNameRE matches the names providers give the account input: Seuil's
// "login", Keycloak's "username", and the usual "user", "email"...
var userNameRE = regexp.MustCompile(`(?i)user|login|email|identifier`)

// parseLoginForm finds the first <form> holding a password input in the
// page fetched from page, and resolves its action against page (an
// absent or empty action posts back to the page itself).
func parseLoginForm(page *url.URL, body io.Reader) (*loginForm, error) {
	z := html.NewTokenizer(body)
	var cur *loginForm
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if err := z.Err(); err != io.EOF {
				return nil, fmt.Errorf("reading the sign-in page: %w", err)
			}
			return nil, errNoLoginForm
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "form":
				action, err := page.Parse(attr(tok, "action"))
				if err != nil {
					return nil, fmt.Errorf("form action %q: %w", attr(tok, "action"), err)
				}
				cur = &loginForm{Action: action, Fields: url.Values{}}
			case "input", "button":
				if cur != nil {
					cur.add(tok)
				}
			}
		case html.EndTagToken:
			if name, _ := z.TagName(); string(name) == "form" && cur != nil {
				if cur.Password != "" && cur.User != "" {
					return cur, nil
				}
				cur = nil
			}
		}
	}
}

// add keeps what a browser would send for one control of the form.
func (f *loginForm) add(tok html.Token) {
	name := attr(tok, "name")
	if name == "" {
		return
	}
	typ := strings.ToLower(attr(tok, "type"))
	if tok.Data == "button" && typ == "" {
		typ = "submit"
	}
	switch typ {
	case "password":
		if f.Password == "" {
			f.Password = name
		}
	case "hidden":
		f.Fields.Add(name, attr(tok, "value"))
	case "submit":
		// The button a user clicks is sent; only the first one.
		if !f.Fields.Has(name) {
			f.Fields.Set(name, attr(tok, "value"))
		}
	case "", "text", "email":
		if f.User == "" && userNameRE.MatchString(name) {
			f.User = name
		}
	case "checkbox", "radio":
		if _, checked := attrOK(tok, "checked"); checked {
			f.Fields.Add(name, valueOr(attr(tok, "value"), "on"))
		}
	}
}

// fill returns the form's fields with the user and password set.
func (f *loginForm) fill(user, password string) url.Values {
	v := url.Values{}
	for k, vs := range f.Fields {
		v[k] = append([]string(nil), vs...)
	}
	v.Set(f.User, user)
	v.Set(f.Password, password)
	return v
}

func attr(tok html.Token, key string) string {
	v, _ := attrOK(tok, key)
	return v
}

func attrOK(tok html.Token, key string) (string, bool) {
	for _, a := range tok.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func valueOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
