package scimemu

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
)

const maxBody = 1 << 20

// flexBool accepts true/false and the strings "True"/"false" some peers send.
type flexBool bool

func (b *flexBool) UnmarshalJSON(p []byte) error {
	var v any
	if err := json.Unmarshal(p, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case bool:
		*b = flexBool(x)
		return nil
	case string:
		switch strings.ToLower(x) {
		case "true":
			*b = true
			return nil
		case "false":
			*b = false
			return nil
		}
	}
	return errors.New("not a boolean")
}

type userIn struct {
	ExternalID  string    `json:"externalId"`
	UserName    string    `json:"userName"`
	DisplayName string    `json:"displayName"`
	Title       string    `json:"title"`
	Active      *flexBool `json:"active"`
	Name        struct {
		GivenName  string `json:"givenName"`
		FamilyName string `json:"familyName"`
	} `json:"name"`
	Enterprise struct {
		EmployeeNumber string `json:"employeeNumber"`
		Department     string `json:"department"`
	} `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`
}

// errSCIM is a SCIM error answer raised while handling a request.
type errSCIM struct {
	status   int
	scimType string
	detail   string
}

func (e *errSCIM) Error() string { return e.detail }

func bad(scimType, detail string) *errSCIM { return &errSCIM{http.StatusBadRequest, scimType, detail} }

func fail(w http.ResponseWriter, err error) {
	var se *errSCIM
	if errors.As(err, &se) {
		writeError(w, se.status, se.scimType, se.detail)
		return
	}
	writeError(w, http.StatusInternalServerError, "", "internal error")
}

func readJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return bad("invalidSyntax", "cannot read body")
	}
	if len(b) > maxBody {
		return &errSCIM{http.StatusRequestEntityTooLarge, "", "body too large"}
	}
	if err := json.Unmarshal(b, v); err != nil {
		return bad("invalidSyntax", "request body is not valid JSON: "+err.Error())
	}
	return nil
}

// parseFilter accepts `<attr> eq "<value>"` for the given attributes
// (attribute names case-insensitive) and answers invalidFilter otherwise.
func parseFilter(f string, allowed ...string) (attr, value string, err error) {
	f = strings.TrimSpace(f)
	a, rest, ok1 := strings.Cut(f, " ")
	op, val, ok2 := strings.Cut(strings.TrimSpace(rest), " ")
	if !ok1 || !ok2 || !strings.EqualFold(op, "eq") {
		return "", "", bad("invalidFilter", "unsupported filter; only `<attr> eq \"value\"` is supported")
	}
	for _, al := range allowed {
		if strings.EqualFold(a, al) {
			attr = al
		}
	}
	if attr == "" {
		return "", "", bad("invalidFilter", "filtering on "+a+" is not supported")
	}
	val = strings.TrimSpace(val)
	if err := json.Unmarshal([]byte(val), &value); err != nil || !strings.HasPrefix(val, `"`) {
		return "", "", bad("invalidFilter", "filter value must be a quoted string")
	}
	return attr, value, nil
}

// page reads startIndex (1-based) and count, capped at the page size.
func (a *api) page(r *http.Request) (start, count int, err error) {
	q := r.URL.Query()
	start, count = 1, a.pageSize
	if v := q.Get("startIndex"); v != "" {
		n, e := strconv.Atoi(v)
		if e != nil {
			return 0, 0, bad("invalidValue", "startIndex must be an integer")
		}
		start = max(n, 1)
	}
	if v := q.Get("count"); v != "" {
		n, e := strconv.Atoi(v)
		if e != nil {
			return 0, 0, bad("invalidValue", "count must be an integer")
		}
		count = min(max(n, 0), a.pageSize)
	}
	return start, count, nil
}

func listPage(items []any, total, start int) map[string]any {
	return map[string]any{"schemas": []string{SchemaListResponse}, "totalResults": total, "startIndex": start,
		"itemsPerPage": len(items), "Resources": items}
}

func window(ids []string, start, count int) []string {
	if start-1 >= len(ids) {
		return nil
	}
	end := min(start-1+count, len(ids))
	return ids[start-1 : end]
}
