package graphemu

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

const maxBody = 1 << 20

// apiError is an ODataError answer raised inside a handler.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func badRequest(code, msg string) *apiError { return &apiError{http.StatusBadRequest, code, msg} }
func notFound(msg string) *apiError {
	return &apiError{http.StatusNotFound, "Request_ResourceNotFound", msg}
}

// requestIDs sets Graph's request-id (unless already set) and echoes the
// SDK's client-request-id; it returns both.
func requestIDs(w http.ResponseWriter, r *http.Request) (rid, crid string) {
	h := w.Header()
	rid = h.Get("request-id")
	if rid == "" {
		rid = uuid.NewString()
		h.Set("request-id", rid)
	}
	crid = r.Header.Get("client-request-id")
	if crid != "" {
		h.Set("client-request-id", crid)
	}
	return rid, crid
}

// writeError writes Graph's ODataError body, innerError included.
func writeError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	rid, crid := requestIDs(w, r)
	body := map[string]any{"error": map[string]any{
		"code":    code,
		"message": msg,
		"innerError": map[string]any{
			"date":              time.Now().UTC().Format("2006-01-02T15:04:05"),
			"request-id":        rid,
			"client-request-id": crid,
		},
	}}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// readBody reads a JSON request body, gunzipping it when the SDK's
// CompressionHandler sent it gzip-encoded.
func readBody(r *http.Request, v any) *apiError {
	if r.Body == nil {
		return badRequest("Request_BadRequest", "Empty Payload, JSON content expected.")
	}
	var rd io.Reader = io.LimitReader(r.Body, maxBody+1)
	switch enc := strings.ToLower(r.Header.Get("Content-Encoding")); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(rd)
		if err != nil {
			return badRequest("Request_BadRequest", "The request body is not valid gzip.")
		}
		defer zr.Close()
		rd = io.LimitReader(zr, maxBody+1)
	default:
		return &apiError{http.StatusUnsupportedMediaType, "UnsupportedMediaType", "Content-Encoding " + enc + " is not supported."}
	}
	b, err := io.ReadAll(rd)
	if err != nil {
		return badRequest("Request_BadRequest", "Could not read the request body.")
	}
	if len(b) > maxBody {
		return &apiError{http.StatusRequestEntityTooLarge, "Request_EntityTooLarge", "The request body is too large."}
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return badRequest("Request_BadRequest", "Empty Payload, JSON content expected.")
	}
	if err := json.Unmarshal(b, v); err != nil {
		return badRequest("BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
	}
	return nil
}

// clause is one "field op value" of a $filter.
type clause struct {
	field, op, value string
	quoted           bool
}

// parseFilter parses the subset of OData $filter the lifecycle needs:
// clauses "field op literal" joined by "and"; ops eq ne ge gt le lt.
func parseFilter(s string) ([]clause, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	var out []clause
	for i := 0; i < len(toks); {
		if len(toks)-i < 3 {
			return nil, errors.New("incomplete filter clause")
		}
		c := clause{field: toks[i].s, op: strings.ToLower(toks[i+1].s), value: toks[i+2].s, quoted: toks[i+2].q}
		switch c.op {
		case "eq", "ne", "ge", "gt", "le", "lt":
		default:
			return nil, fmt.Errorf("unsupported operator %q", toks[i+1].s)
		}
		if toks[i].q {
			return nil, errors.New("a property name cannot be quoted")
		}
		out = append(out, c)
		i += 3
		if i < len(toks) {
			if strings.ToLower(toks[i].s) != "and" || toks[i].q {
				return nil, fmt.Errorf("unsupported filter keyword %q", toks[i].s)
			}
			i++
			if i == len(toks) {
				return nil, errors.New("dangling 'and'")
			}
		}
	}
	return out, nil
}

type token struct {
	s string
	q bool
}

func tokenize(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ':
			i++
		case c == '\'':
			var b strings.Builder
			i++
			closed := false
			for i < len(s) {
				if s[i] == '\'' {
					if i+1 < len(s) && s[i+1] == '\'' {
						b.WriteByte('\'')
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				b.WriteByte(s[i])
				i++
			}
			if !closed {
				return nil, errors.New("unterminated string literal")
			}
			out = append(out, token{b.String(), true})
		default:
			j := i
			for j < len(s) && s[j] != ' ' {
				j++
			}
			out = append(out, token{s[i:j], false})
			i = j
		}
	}
	return out, nil
}

// fields maps a filterable property name to its value (string, time.Time or bool).
type fields func(name string) (any, bool)

// match reports whether an item satisfies every clause; an unknown property
// is an error, as Graph rejects it.
func match(cs []clause, f fields) (bool, error) {
	for _, c := range cs {
		v, ok := f(c.field)
		if !ok {
			return false, fmt.Errorf("property '%s'", c.field)
		}
		var cmp int
		switch x := v.(type) {
		case string:
			if !c.quoted {
				return false, fmt.Errorf("property '%s' needs a quoted string", c.field)
			}
			cmp = strings.Compare(strings.ToLower(x), strings.ToLower(c.value))
		case bool:
			b, err := strconv.ParseBool(c.value)
			if err != nil || c.quoted {
				return false, fmt.Errorf("property '%s' needs true or false", c.field)
			}
			if x == b {
				cmp = 0
			} else {
				cmp = 1
			}
			if c.op != "eq" && c.op != "ne" {
				return false, fmt.Errorf("operator %s on boolean '%s'", c.op, c.field)
			}
		case time.Time:
			t, err := time.Parse(time.RFC3339Nano, c.value)
			if err != nil {
				return false, fmt.Errorf("property '%s' needs a DateTimeOffset", c.field)
			}
			cmp = x.Compare(t)
		default:
			return false, fmt.Errorf("property '%s'", c.field)
		}
		var ok2 bool
		switch c.op {
		case "eq":
			ok2 = cmp == 0
		case "ne":
			ok2 = cmp != 0
		case "ge":
			ok2 = cmp >= 0
		case "gt":
			ok2 = cmp > 0
		case "le":
			ok2 = cmp <= 0
		case "lt":
			ok2 = cmp < 0
		}
		if !ok2 {
			return false, nil
		}
	}
	return true, nil
}

// filterItems keeps the items matching r's $filter.
func filterItems[T any](r *http.Request, resource string, items []T, f func(T) fields) ([]T, *apiError) {
	q := r.URL.Query().Get("$filter")
	if q == "" {
		return items, nil
	}
	cs, err := parseFilter(q)
	if err != nil {
		return nil, badRequest("Request_UnsupportedQuery", "Invalid filter clause: "+err.Error()+".")
	}
	out := make([]T, 0, len(items))
	for _, it := range items {
		ok, err := match(cs, f(it))
		if err != nil {
			return nil, badRequest("Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for "+err.Error()+" of resource '"+resource+"'.")
		}
		if ok {
			out = append(out, it)
		}
	}
	return out, nil
}

// list serves one page of a filterable collection: under the read lock it
// collects the items, keeps those matching $filter and renders each with view.
func list[T any](e *Emulator, w http.ResponseWriter, r *http.Request, resource, ctxName string,
	collect func() []T, f func(T) fields, view func(T) any) *apiError {
	e.mu.RLock()
	sel, err := filterItems(r, resource, collect(), f)
	var items []any
	if err == nil {
		items = make([]any, len(sel))
		for i, it := range sel {
			items[i] = view(it)
		}
	}
	e.mu.RUnlock()
	if err != nil {
		return err
	}
	e.page(w, r, ctxName, items)
	return nil
}

// inOrder returns the objects of m in the order of ids.
func inOrder[T any](ids []string, m map[string]*T) []*T {
	out := make([]*T, 0, len(ids))
	for _, id := range ids {
		out = append(out, m[id])
	}
	return out
}

// newestFirst points at the entries of an oldest-first log in reverse, as
// Graph returns its audit logs.
func newestFirst[T any](log []T) []*T {
	out := make([]*T, 0, len(log))
	for i := len(log) - 1; i >= 0; i-- {
		out = append(out, &log[i])
	}
	return out
}

// page cuts items to one page by $top and $skiptoken and writes the
// collection, with an absolute @odata.nextLink on the request's own host.
func (e *Emulator) page(w http.ResponseWriter, r *http.Request, ctxName string, items []any) {
	q := r.URL.Query()
	size := e.cfg.PageSize
	if t := q.Get("$top"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 || n > 999 {
			writeError(w, r, http.StatusBadRequest, "Request_BadRequest", "Invalid page size specified: '"+t+"'. Must be between 1 and 999 inclusive.")
			return
		}
		size = min(n, size)
	}
	skip := 0
	if s := q.Get("$skiptoken"); s != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(s, "X'"))
		if err != nil || n < 0 {
			writeError(w, r, http.StatusBadRequest, "Directory_ExpiredPageToken", "The specified page token value has expired and can no longer be included in your request.")
			return
		}
		skip = n
	}
	skip = min(skip, len(items))
	end := min(skip+size, len(items))
	out := map[string]any{
		"@odata.context": baseURL(r) + "/v1.0/$metadata#" + ctxName,
		"value":          items[skip:end],
	}
	if end < len(items) {
		q.Set("$skiptoken", "X'"+strconv.Itoa(end))
		out["@odata.nextLink"] = baseURL(r) + r.URL.Path + "?" + encodeQuery(q)
	}
	writeJSON(w, http.StatusOK, out)
}

// encodeQuery keeps '$' literal in keys, as Graph's own links do.
func encodeQuery(q url.Values) string {
	s := q.Encode()
	return strings.ReplaceAll(s, "%24", "$")
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// parseISODuration parses the ISO 8601 durations Graph accepts in
// scheduleInfo (PnW, PnDTnHnMnS).
func parseISODuration(s string) (time.Duration, error) {
	bad := fmt.Errorf("invalid duration %q", s)
	rest, ok := strings.CutPrefix(strings.ToUpper(s), "P")
	if !ok || rest == "" {
		return 0, bad
	}
	var d time.Duration
	inTime := false
	num := ""
	for _, c := range rest {
		switch {
		case c >= '0' && c <= '9' || c == '.':
			num += string(c)
		case c == 'T':
			if inTime || num != "" {
				return 0, bad
			}
			inTime = true
		default:
			if num == "" {
				return 0, bad
			}
			f, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, bad
			}
			num = ""
			var unit time.Duration
			switch {
			case !inTime && c == 'W':
				unit = 7 * 24 * time.Hour
			case !inTime && c == 'D':
				unit = 24 * time.Hour
			case inTime && c == 'H':
				unit = time.Hour
			case inTime && c == 'M':
				unit = time.Minute
			case inTime && c == 'S':
				unit = time.Second
			default:
				return 0, bad
			}
			d += time.Duration(f * float64(unit))
		}
	}
	if num != "" || d <= 0 {
		return 0, bad
	}
	return d, nil
}

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

// lastSegment returns the id at the end of an @odata.id reference URL.
func lastSegment(ref string) string {
	ref = strings.TrimRight(ref, "/")
	if i := strings.LastIndexByte(ref, '/'); i >= 0 {
		ref = ref[i+1:]
	}
	// directoryObjects('id') form
	if i := strings.Index(ref, "('"); i >= 0 && strings.HasSuffix(ref, "')") {
		ref = ref[i+2 : len(ref)-2]
	}
	return ref
}
