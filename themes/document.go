package themes

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing/fstest"

	"go.yaml.in/yaml/v3"
)

// A theme the console manages is one text, a document naming its parent
// and what it changes of it: messages (the university's name, any text),
// colours (the stylesheet's custom properties) and an SVG logo. It loads
// as a child theme (see LoadInheriting), so it holds no copy of the
// parent's templates or texts:
//
//	parent: default
//	messages:
//	  fr: {university.name: "Université de Poitiers", university.city: "de Poitiers"}
//	  en: {university.name: "University of Poitiers", university.city: "of Poitiers"}
//	colours: {brand: "#003a70", accent: "#0065a4"}
//	logo: |
//	  <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 44 44">…</svg>

// ThemeName is the form of a theme's name: lower-case letters, digits
// and dashes, a letter first (it is part of static files' paths).
var ThemeName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)

// maxLogo bounds the logo's size.
const maxLogo = 64 << 10

// LoadDocument loads theme name from its document raw over the parent
// it names, which parent finds. Every problem is reported at once, each
// with its line and key (line 4: themes.poitiers.colours.brand: …).
func LoadDocument(name string, raw []byte, parent func(string) *Theme) (*Theme, error) {
	at := func(line int, key, format string, args ...any) error {
		return fmt.Errorf("line %d: themes.%s%s: %s", line, name, key, fmt.Sprintf(format, args...))
	}
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		return nil, fmt.Errorf("themes.%s: %w", name, err)
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line 1: themes.%s: want a mapping (parent:, messages:, colours:, logo:)", name)
	}
	var errs []error
	var p *Theme
	files := fstest.MapFS{}
	var colours, messages, logo *yaml.Node
	doc := root.Content[0]
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		switch k.Value {
		case "parent":
			if p = parent(v.Value); p == nil || strings.HasPrefix(v.Value, DraftPrefix) || v.Value == name {
				errs, p = append(errs, at(v.Line, ".parent", "no theme %q", v.Value)), nil
			}
		case "messages":
			messages = v
		case "colours":
			colours = v
		case "logo":
			logo = v
		default:
			errs = append(errs, at(k.Line, "."+k.Value, "unknown key (parent, messages, colours, logo)"))
		}
	}
	if p == nil {
		if !slices.ContainsFunc(doc.Content, func(n *yaml.Node) bool { return n.Value == "parent" }) {
			errs = append(errs, at(doc.Line, ".parent", "missing: name the theme this one changes (default)"))
		}
		return nil, errors.Join(errs...)
	}
	files["theme.yaml"] = &fstest.MapFile{Data: []byte("parent: " + p.Name + "\n")}
	if messages != nil {
		errs = append(errs, documentMessages(messages, p, files, at)...)
	}
	if colours != nil {
		errs = append(errs, documentColours(colours, p, files, at)...)
	}
	if logo != nil {
		if err := checkSVG(logo.Value); err != nil {
			errs = append(errs, at(logo.Line, ".logo", "%v", err))
		} else {
			files["static/logo.svg"] = &fstest.MapFile{Data: []byte(logo.Value)}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	t, err := LoadInheriting(name, files, p)
	if err != nil {
		return nil, fmt.Errorf("themes.%s: %w", name, err)
	}
	return t, nil
}

// verbs counts a message's formatting verbs (%s, %d…): a translation
// must keep them, or its page shows %!(EXTRA…).
var verbs = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`)

func documentMessages(n *yaml.Node, p *Theme, files fstest.MapFS, at func(int, string, string, ...any) error) []error {
	if n.Kind != yaml.MappingNode {
		return []error{at(n.Line, ".messages", "want a mapping of languages (fr:, en:)")}
	}
	var errs []error
	for i := 0; i+1 < len(n.Content); i += 2 {
		lang, msgs := n.Content[i], n.Content[i+1]
		key := ".messages." + lang.Value
		if !supported(lang.Value) {
			errs = append(errs, at(lang.Line, key, "no such language (%s)", strings.Join(Languages, ", ")))
			continue
		}
		if msgs.Kind != yaml.MappingNode {
			errs = append(errs, at(msgs.Line, key, "want a mapping of message keys to texts"))
			continue
		}
		own := map[string]string{}
		for j := 0; j+1 < len(msgs.Content); j += 2 {
			k, v := msgs.Content[j], msgs.Content[j+1]
			was, known := p.raw[lang.Value][k.Value]
			switch {
			case !known:
				errs = append(errs, at(k.Line, key+"."+k.Value, "no such message in theme %s", p.Name))
			case v.Kind != yaml.ScalarNode:
				errs = append(errs, at(v.Line, key+"."+k.Value, "want a text"))
			case len(verbs.FindAllString(v.Value, -1)) != len(verbs.FindAllString(was, -1)):
				errs = append(errs, at(v.Line, key+"."+k.Value, "keep the %d placeholder(s) of %q", len(verbs.FindAllString(was, -1)), was))
			default:
				own[k.Value] = v.Value
			}
		}
		out, err := yaml.Marshal(own)
		if err != nil {
			errs = append(errs, at(msgs.Line, key, "%v", err))
			continue
		}
		files["i18n/"+lang.Value+"/console.yaml"] = &fstest.MapFile{Data: out}
	}
	return errs
}

// cssColour is one custom property of the stylesheet holding a colour.
var cssColour = regexp.MustCompile(`--([a-z][a-z-]*):\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b`)

// hexColour is the form a colour is given in.
var hexColour = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

// contrasts are the pairs of colours the pages set text on, which must
// keep WCAG AA's 4.5:1 (normal text) whatever a theme changes.
var contrasts = [][2]string{{"brand-ink", "brand"}, {"accent", "card"}, {"ink", "card"}, {"ink", "bg"}, {"muted", "card"},
	{"error", "error-bg"}, {"ok", "ok-bg"}}

func documentColours(n *yaml.Node, p *Theme, files fstest.MapFS, at func(int, string, string, ...any) error) []error {
	if n.Kind != yaml.MappingNode {
		return []error{at(n.Line, ".colours", "want a mapping of colour names to #rrggbb")}
	}
	css, err := fs.ReadFile(p.files, "static/seuil.css")
	if err != nil {
		return []error{at(n.Line, ".colours", "theme %s has no static/seuil.css to change", p.Name)}
	}
	current := map[string]string{}
	for _, m := range cssColour.FindAllSubmatch(css, -1) {
		current[string(m[1])] = string(m[2]) // the last declaration wins, as in CSS
	}
	var errs []error
	set := map[string]int{} // name → line
	var decl strings.Builder
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := ".colours." + k.Value
		switch _, known := current[k.Value]; {
		case !known:
			errs = append(errs, at(k.Line, key, "no such colour (%s)", strings.Join(slices.Sorted(maps.Keys(current)), ", ")))
		case !hexColour.MatchString(v.Value):
			errs = append(errs, at(v.Line, key, "%q is not a colour: write #rrggbb", v.Value))
		default:
			current[k.Value], set[k.Value] = v.Value, v.Line
			fmt.Fprintf(&decl, "--%s: %s; ", k.Value, v.Value)
		}
	}
	for _, c := range contrasts {
		line, changed := set[c[0]]
		if l2, ok := set[c[1]]; ok && (!changed || l2 > line) {
			line, changed = l2, true
		}
		if !changed || current[c[0]] == "" || current[c[1]] == "" {
			continue
		}
		if r := contrast(current[c[0]], current[c[1]]); r < 4.5 {
			errs = append(errs, at(line, ".colours", "%s (%s) on %s (%s) has a contrast of %.1f:1; WCAG AA asks 4.5:1",
				c[0], current[c[0]], c[1], current[c[1]], r))
		}
	}
	if decl.Len() > 0 {
		files["static/seuil.css"] = &fstest.MapFile{Data: append(slices.Clone(css),
			"\n/* Colours set from the console. */\n:root { "+decl.String()+"}\n"...)}
	}
	return errs
}

// contrast is WCAG 2's contrast ratio of two #rgb or #rrggbb colours.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(hex string) float64 {
	h := strings.TrimPrefix(hex, "#")
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	v, _ := strconv.ParseUint(h, 16, 32)
	ch := func(c uint64) float64 {
		s := float64(c) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(v>>16&0xff) + 0.7152*ch(v>>8&0xff) + 0.0722*ch(v&0xff)
}

// checkSVG accepts an SVG image that cannot run anything when opened on
// its own (the static files are served from Seuil's origin): no script,
// no embedded document, no event attribute, no link or reference out of
// the image.
func checkSVG(s string) error {
	if len(s) > maxLogo {
		return fmt.Errorf("over %d kB", maxLogo>>10)
	}
	d := xml.NewDecoder(strings.NewReader(s))
	first := true
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("not an SVG image: %v", err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			if first && e.Name.Local != "svg" {
				return fmt.Errorf("not an SVG image: it starts with <%s>", e.Name.Local)
			}
			first = false
			switch strings.ToLower(e.Name.Local) {
			case "script", "foreignobject", "iframe", "object", "embed", "style":
				return fmt.Errorf("<%s> is not allowed in the logo", e.Name.Local)
			}
			for _, a := range e.Attr {
				name := strings.ToLower(a.Name.Local)
				switch {
				case strings.HasPrefix(name, "on"):
					return fmt.Errorf("the attribute %s is not allowed in the logo", a.Name.Local)
				case (name == "href" || name == "src") && !strings.HasPrefix(strings.TrimSpace(a.Value), "#"):
					return fmt.Errorf("the logo may only refer to itself (%s=%q)", a.Name.Local, a.Value)
				case name == "style" && strings.Contains(strings.ToLower(a.Value), "url("):
					return errors.New("the logo may not load anything (url() in a style)")
				}
			}
		case xml.Directive:
			return errors.New("no DOCTYPE or entity in the logo")
		}
	}
	if first {
		return errors.New("not an SVG image: no <svg> element")
	}
	if !bytes.Contains([]byte(s), []byte("http://www.w3.org/2000/svg")) {
		return errors.New(`not an SVG image: add xmlns="http://www.w3.org/2000/svg"`)
	}
	return nil
}
