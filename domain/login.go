package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// DefaultLoginTemplate is the work email built for a joiner HR has none for.
const DefaultLoginTemplate = "{given}.{family}@{domain}"

// LoginTemplate builds work emails (the primary login in every directory)
// from an HR record's names: {given}, {family}, {given_initial} and
// {domain} are replaced; names are transliterated to ASCII and lower-cased.
type LoginTemplate struct {
	Template string // "" = DefaultLoginTemplate
	Domain   string // demo.jml.test
}

// CheckLoginTemplate says what is wrong with a template, "" when nothing:
// it must name {family} or {given}, and end in @{domain} or @<a domain>.
func CheckLoginTemplate(t string) string {
	if t == "" {
		return ""
	}
	local, dom, ok := strings.Cut(t, "@")
	switch {
	case !ok || strings.Contains(dom, "@"):
		return "must have exactly one '@' (e.g. " + DefaultLoginTemplate + ")"
	case !strings.Contains(local, "{given}") && !strings.Contains(local, "{family}") && !strings.Contains(local, "{given_initial}"):
		return "must use {given}, {given_initial} or {family} before the '@'"
	case dom == "":
		return "must name a domain after the '@' ({domain} or e.g. example.com)"
	}
	rest := local
	for _, p := range []string{"{given}", "{family}", "{given_initial}"} {
		rest = strings.ReplaceAll(rest, p, "")
	}
	if strings.ContainsAny(rest, "{}") {
		return "knows only {given}, {given_initial}, {family} and {domain}"
	}
	return ""
}

// Address is the base work email for given and family names (the first
// candidate), or an error naming the field that yields no ASCII letter.
func (t LoginTemplate) Address(given, family string) (string, error) {
	tmpl := t.Template
	if tmpl == "" {
		tmpl = DefaultLoginTemplate
	}
	if p := CheckLoginTemplate(tmpl); p != "" {
		return "", fmt.Errorf("login template %q %s", tmpl, p)
	}
	g, f := LoginPart(given), LoginPart(family)
	if g == "" && strings.Contains(tmpl, "{given") {
		return "", &FieldError{Field: "given_name", Reason: "has no letter that can be written in ASCII for a login"}
	}
	if f == "" && strings.Contains(tmpl, "{family}") {
		return "", &FieldError{Field: "family_name", Reason: "has no letter that can be written in ASCII for a login"}
	}
	initial := ""
	if g != "" {
		initial = g[:1]
	}
	dom := strings.ToLower(strings.TrimSpace(t.Domain))
	if strings.Contains(tmpl, "{domain}") && dom == "" {
		return "", fmt.Errorf("login template %q uses {domain} and no domain is configured", tmpl)
	}
	out := strings.NewReplacer("{given}", g, "{given_initial}", initial, "{family}", f, "{domain}", dom).Replace(tmpl)
	local, _, _ := strings.Cut(out, "@")
	// Separators left at the ends or doubled when a part was empty.
	local = strings.Trim(collapse(local), ".-_")
	if local == "" {
		return "", &FieldError{Field: "given_name", Reason: "gives an empty login"}
	}
	return local + out[strings.IndexByte(out, '@'):], nil
}

// Candidate is the n-th address tried (n from 1): jane.doe@x, then
// jane.doe2@x, jane.doe3@x, ...
func Candidate(base string, n int) string {
	if n <= 1 {
		return base
	}
	local, dom, _ := strings.Cut(base, "@")
	return local + strconv.Itoa(n) + "@" + dom
}

// LoginLockID is the workflow id that reserves an address: "login/" and a
// hash of the lower-cased address, never the address (ids are not
// encrypted).
func LoginLockID(address string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(address))))
	return "login/" + hex.EncodeToString(sum[:16])
}

// LoginPart is one name as it goes into a login: transliterated to ASCII,
// lower-cased, letters and digits kept, spaces and hyphens as '-',
// apostrophes and everything else dropped ("O'Brien" → "obrien",
// "Müller-Lüdenscheidt" → "mueller-luedenscheidt", "José María" →
// "jose-maria", "Дмитрий" → "dmitrij"). "" when nothing is left (e.g. a
// name written only in a script without a table here).
func LoginPart(name string) string {
	var b strings.Builder
	for _, r := range norm.NFC.String(strings.TrimSpace(name)) {
		if s, ok := translit[r]; ok {
			b.WriteString(s)
			continue
		}
		if s, ok := translit[unicode.ToLower(r)]; ok && unicode.IsUpper(r) {
			b.WriteString(s)
			continue
		}
		// Strip the accents of what decomposes (é = e + U+0301).
		for _, d := range norm.NFD.String(string(r)) {
			switch {
			case d < unicode.MaxASCII && (unicode.IsLetter(d) || unicode.IsDigit(d)):
				b.WriteRune(unicode.ToLower(d))
			case d == ' ' || d == '-' || d == '\u2010' || d == '\u2011' || d == '\u00a0':
				b.WriteByte('-')
			}
		}
	}
	return strings.Trim(collapse(b.String()), "-")
}

// collapse turns runs of separators into the first of them.
func collapse(s string) string {
	var b strings.Builder
	prevSep := false
	for _, c := range s {
		sep := c == '-' || c == '.' || c == '_'
		if sep && prevSep {
			continue
		}
		prevSep = sep
		b.WriteRune(c)
	}
	return b.String()
}

// translit spells the letters NFD does not decompose, German umlauts the
// German way, and Cyrillic and Greek (ISO 9-like, simplified).
var translit = map[rune]string{
	'ä': "ae", 'ö': "oe", 'ü': "ue", 'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o",
	'ł': "l", 'đ': "d", 'ð': "d", 'þ': "th", 'ı': "i", 'ħ': "h", 'ŀ': "l",
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh", 'з': "z",
	'и': "i", 'й': "j", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r",
	'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch",
	'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu", 'я': "ya", 'і': "i", 'ї': "yi", 'є': "ye", 'ґ': "g",
	'α': "a", 'β': "v", 'γ': "g", 'δ': "d", 'ε': "e", 'ζ': "z", 'η': "i", 'θ': "th", 'ι': "i",
	'κ': "k", 'λ': "l", 'μ': "m", 'ν': "n", 'ξ': "x", 'ο': "o", 'π': "p", 'ρ': "r", 'σ': "s",
	'ς': "s", 'τ': "t", 'υ': "y", 'φ': "f", 'χ': "ch", 'ψ': "ps", 'ω': "o",
	'ά': "a", 'έ': "e", 'ή': "i", 'ί': "i", 'ό': "o", 'ύ': "y", 'ώ': "o",
}

// ValidateAllowingNoEmail is Validate for an intake where jml allocates
// the work email (hr.login): an empty email is not a problem; everything
// else is checked as usual.
func (r HRRecord) ValidateAllowingNoEmail(ref string) error {
	if r.Email == "" {
		r.Email = "allocated@login.invalid"
	}
	return r.Validate(ref)
}
