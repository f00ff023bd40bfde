package oktaemu

import (
	"errors"
	"slices"
	"strings"
	"time"
)

// expr is a parsed Okta filter/search expression:
//
//	status eq "ACTIVE" and (profile.login eq "a@b" or profile.email sw "a")
//
// Operators eq, ne, sw, co, gt, ge, lt, le, pr; and, or, not; parentheses.
// String comparison is case-insensitive, as Okta's is.
type expr interface {
	eval(get attrs) bool
	walk(fn func(attr, op string))
}

// attrs reads an attribute's values: none when absent, several when the
// attribute is multi-valued (an event's targets). A comparison holds when
// any value satisfies it; ne holds when none equals.
type attrs func(attr string) []string

type cmpExpr struct{ attr, op, val string }
type boolExpr struct {
	and  bool
	l, r expr
}
type notExpr struct{ e expr }

func (c cmpExpr) walk(fn func(attr, op string))  { fn(c.attr, c.op) }
func (b boolExpr) walk(fn func(attr, op string)) { b.l.walk(fn); b.r.walk(fn) }
func (n notExpr) walk(fn func(attr, op string))  { n.e.walk(fn) }
func (n notExpr) eval(get attrs) bool {
	return !n.e.eval(get)
}

func (b boolExpr) eval(get attrs) bool {
	if b.and {
		return b.l.eval(get) && b.r.eval(get)
	}
	return b.l.eval(get) || b.r.eval(get)
}

func (c cmpExpr) eval(get attrs) bool {
	vs := get(c.attr)
	switch c.op {
	case "pr":
		return slices.ContainsFunc(vs, func(v string) bool { return v != "" })
	case "ne":
		eq := cmpExpr{op: "eq", val: c.val}
		return !slices.ContainsFunc(vs, eq.holds)
	}
	return slices.ContainsFunc(vs, c.holds)
}

// holds compares one value (any operator but pr and ne).
func (c cmpExpr) holds(v string) bool {
	a, b := strings.ToLower(v), strings.ToLower(c.val)
	switch c.op {
	case "eq":
		return a == b
	case "sw":
		return strings.HasPrefix(a, b)
	case "co":
		return strings.Contains(a, b)
	}
	cmp := compareValues(v, c.val)
	switch c.op {
	case "gt":
		return cmp > 0
	case "ge":
		return cmp >= 0
	case "lt":
		return cmp < 0
	case "le":
		return cmp <= 0
	}
	return false
}

func compareValues(a, b string) int {
	ta, e1 := time.Parse(time.RFC3339, a)
	tb, e2 := time.Parse(time.RFC3339, b)
	if e1 == nil && e2 == nil {
		return ta.Compare(tb)
	}
	return strings.Compare(a, b)
}

var errBadFilter = errors.New("invalid search criteria")

type lexer struct {
	toks []string
	pos  int
}

func tokenize(s string) ([]string, error) {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == '(' || c == ')':
			toks = append(toks, string(c))
			i++
		case c == '"':
			var b strings.Builder
			b.WriteByte('"')
			i++
			closed := false
			for i < len(s) {
				if s[i] == '\\' && i+1 < len(s) {
					b.WriteByte(s[i+1])
					i += 2
					continue
				}
				if s[i] == '"' {
					closed = true
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			if !closed {
				return nil, errBadFilter
			}
			toks = append(toks, b.String())
		default:
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '(' && s[j] != ')' && s[j] != '"' {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return toks, nil
}

// parseFilter parses an expression; an empty string is no expression.
func parseFilter(s string) (expr, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	l := &lexer{toks: toks}
	e, err := l.parseOr()
	if err != nil {
		return nil, err
	}
	if l.pos != len(l.toks) {
		return nil, errBadFilter
	}
	return e, nil
}

func (l *lexer) peek() string {
	if l.pos < len(l.toks) {
		return l.toks[l.pos]
	}
	return ""
}

func (l *lexer) next() string { t := l.peek(); l.pos++; return t }

func (l *lexer) parseOr() (expr, error) {
	left, err := l.parseAnd()
	if err != nil {
		return nil, err
	}
	for strings.EqualFold(l.peek(), "or") {
		l.next()
		right, err := l.parseAnd()
		if err != nil {
			return nil, err
		}
		left = boolExpr{and: false, l: left, r: right}
	}
	return left, nil
}

func (l *lexer) parseAnd() (expr, error) {
	left, err := l.parseUnary()
	if err != nil {
		return nil, err
	}
	for strings.EqualFold(l.peek(), "and") {
		l.next()
		right, err := l.parseUnary()
		if err != nil {
			return nil, err
		}
		left = boolExpr{and: true, l: left, r: right}
	}
	return left, nil
}

func (l *lexer) parseUnary() (expr, error) {
	t := l.peek()
	switch {
	case t == "":
		return nil, errBadFilter
	case strings.EqualFold(t, "not"):
		l.next()
		e, err := l.parseUnary()
		if err != nil {
			return nil, err
		}
		return notExpr{e}, nil
	case t == "(":
		l.next()
		e, err := l.parseOr()
		if err != nil {
			return nil, err
		}
		if l.next() != ")" {
			return nil, errBadFilter
		}
		return e, nil
	}
	attr := l.next()
	if strings.HasPrefix(attr, `"`) || attr == ")" {
		return nil, errBadFilter
	}
	op := strings.ToLower(l.next())
	switch op {
	case "pr":
		return cmpExpr{attr: attr, op: op}, nil
	case "eq", "ne", "sw", "co", "gt", "ge", "lt", "le":
	default:
		return nil, errBadFilter
	}
	v := l.next()
	switch {
	case strings.HasPrefix(v, `"`):
		v = v[1:]
	case v == "" || v == "(" || v == ")":
		return nil, errBadFilter
	}
	return cmpExpr{attr: attr, op: op, val: v}, nil
}
