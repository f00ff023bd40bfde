package bamboohr

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

const goodBody = `{"type":"employee.updated","timestamp":"2026-11-26T10:00:00+0000","data":{"companyId":"81234","employeeId":"123","changedFields":["jobTitle"]}}`

func signed(body, key string, at time.Time) http.Header {
	ts := strconv.FormatInt(at.Unix(), 10)
	h := http.Header{}
	h.Set(HeaderTS, ts)
	h.Set(HeaderSig, Sign(key, []byte(body), ts))
	return h
}

func TestVerifyWebhook(t *testing.T) {
	const key = "k3y-do-not-leak"
	with := func(h http.Header, k, v string) http.Header {
		h = h.Clone()
		if v == "" {
			h.Del(k)
		} else {
			h.Set(k, v)
		}
		return h
	}
	good := signed(goodBody, key, now)
	big := strings.Repeat(" ", MaxWebhookBody+1)
	cases := []struct {
		name string
		h    http.Header
		body string
		key  string
		now  time.Time
		want error
	}{
		{"valid", good, goodBody, key, now, nil},
		{"valid 4m59 later", good, goodBody, key, now.Add(299 * time.Second), nil},
		{"valid clock behind", good, goodBody, key, now.Add(-299 * time.Second), nil},
		{"uppercase hex", with(good, HeaderSig, strings.ToUpper(good.Get(HeaderSig))), goodBody, key, now, nil},
		{"no key configured", good, goodBody, "", now, ErrNoKey},
		{"oversized", signed(big, key, now), big, key, now, ErrTooLarge},
		{"unsigned", with(good, HeaderSig, ""), goodBody, key, now, ErrUnsigned},
		{"missing timestamp", with(good, HeaderTS, ""), goodBody, key, now, ErrNoTimestamp},
		{"timestamp not a number", with(good, HeaderTS, "2026-11-26T10:00:00Z"), goodBody, key, now, ErrBadTimestamp},
		{"replayed after 6 minutes", good, goodBody, key, now.Add(6 * time.Minute), ErrStale},
		{"from the future", good, goodBody, key, now.Add(-6 * time.Minute), ErrFuture},
		{"signature not hex", with(good, HeaderSig, "zz"), goodBody, key, now, ErrBadSignature},
		{"signature short", with(good, HeaderSig, "abcd"), goodBody, key, now, ErrBadSignature},
		{"tampered body", good, strings.Replace(goodBody, "123", "124", 1), key, now, ErrBadSignature},
		{"wrong key", signed(goodBody, "other", now), goodBody, key, now, ErrBadSignature},
		{"timestamp swapped", with(good, HeaderTS, strconv.FormatInt(now.Unix()+1, 10)), goodBody, key, now, ErrBadSignature},
		{"empty body signed", signed("", key, now), "", key, now, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := VerifyWebhook(c.h, []byte(c.body), c.key, c.now)
			if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if err != nil && (strings.Contains(err.Error(), key) || strings.Contains(err.Error(), good.Get(HeaderSig))) {
				t.Errorf("secret material in error: %v", err)
			}
		})
	}
}

func TestReplayGuard(t *testing.T) {
	var g ReplayGuard
	if g.Check("AB", now) != nil || !errors.Is(g.Check("ab", now.Add(time.Minute)), ErrReplayed) || g.Check("cd", now) != nil {
		t.Error("replay guard")
	}
	if g.Check("ab", now.Add(11*time.Minute)) != nil { // forgotten after the window (VerifyWebhook refuses it anyway)
		t.Error("not forgotten")
	}
}

func TestParseWebhook(t *testing.T) {
	ev, err := ParseWebhook([]byte(goodBody))
	if err != nil || ev.Type != EventUpdated || ev.EmployeeID != "123" || ev.CompanyID != "81234" ||
		len(ev.ChangedFields) != 1 || !ev.Timestamp.Equal(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("%+v %v", ev, err)
	}
	if ev, err := ParseWebhook([]byte(`  {"type":"employee.deleted","timestamp":"2026-11-26T10:00:00Z","data":{"employeeId":7}}` + "\n")); err != nil || ev.EmployeeID != "7" || ev.CompanyID != "" {
		t.Errorf("numeric id, RFC 3339: %+v %v", ev, err)
	}
	bad := []struct{ name, body, want string }{
		{"empty", ``, "empty body"},
		{"whitespace", " \n", "empty body"},
		{"form encoded", `type=employee.updated`, "not a JSON object"},
		{"array", `[]`, "not a JSON object"},
		{"truncated", `{"type":"employee.updated"`, "malformed JSON"},
		{"trailing", goodBody + `{}`, "trailing data"},
		{"missing type", `{"timestamp":"2026-11-26T10:00:00Z","data":{"employeeId":"1"}}`, "missing type"},
		{"unknown type", strings.Replace(goodBody, "employee.updated", "employee.exploded", 1), "unknown type"},
		{"type not string", `{"type":5}`, "malformed JSON"},
		{"missing timestamp", `{"type":"employee.created","data":{"employeeId":"1"}}`, "missing timestamp"},
		{"bad timestamp", strings.Replace(goodBody, "2026-11-26T10:00:00+0000", "yesterday", 1), "not ISO 8601"},
		{"missing data", `{"type":"employee.created","timestamp":"2026-11-26T10:00:00Z"}`, "missing data"},
		{"missing employeeId", `{"type":"employee.created","timestamp":"2026-11-26T10:00:00Z","data":{}}`, "employeeId: missing"},
		{"null employeeId", `{"type":"employee.created","timestamp":"2026-11-26T10:00:00Z","data":{"employeeId":null}}`, "employeeId: missing"},
		{"path in employeeId", strings.Replace(goodBody, `"123"`, `"../123"`, 1), "not a numeric id"},
		{"object employeeId", strings.Replace(goodBody, `"123"`, `{}`, 1), "not a string or number"},
		{"negative employeeId", strings.Replace(goodBody, `"123"`, `-1`, 1), "not a numeric id"},
		{"bad companyId", strings.Replace(goodBody, `"81234"`, `"acme"`, 1), "companyId"},
		{"changedFields not list", strings.Replace(goodBody, `["jobTitle"]`, `"jobTitle"`, 1), "malformed JSON"},
		{"empty changed field", strings.Replace(goodBody, `["jobTitle"]`, `[""]`, 1), "changedFields"},
		{"legacy field-based", `{"employees":[{"id":"1","action":"Updated","fields":{"First Name":"A"}}]}`, "field-based"},
		{"oversized", `{"type":"employee.updated","pad":"` + strings.Repeat("x", MaxWebhookBody) + `"}`, "more than"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseWebhook([]byte(c.body))
			var pe *ParseError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want ParseError containing %q", err, c.want)
			}
			if len(err.Error()) > 300 {
				t.Errorf("error too long: %d", len(err.Error()))
			}
		})
	}
}

func FuzzParseWebhook(f *testing.F) {
	f.Add([]byte(goodBody))
	f.Add([]byte(`{"type":"employee.deleted","timestamp":"2026-11-26T10:00:00Z","data":{"employeeId":7}}`))
	f.Add([]byte(`{"employees":[]}`))
	f.Add([]byte(`{"type":"employee.created","timestamp":"2026-11-26 10:00:00","data":{"employeeId":"1","companyId":2,"changedFields":["a"]}}`))
	f.Add([]byte(`nul`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := ParseWebhook(body)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error is not a ParseError: %v", err)
			}
			return
		}
		if ev.Type != EventCreated && ev.Type != EventUpdated && ev.Type != EventDeleted {
			t.Fatalf("accepted type %q", ev.Type)
		}
		if ev.EmployeeID == "" || strings.Trim(ev.EmployeeID, "0123456789") != "" || ev.Timestamp.IsZero() {
			t.Fatalf("accepted %+v", ev)
		}
	})
}
