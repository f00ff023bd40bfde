package scim

import (
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jml-dev/jml/integrations/directory"
)

func TestClassify(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	errBody := func(status, scimType, detail string) []byte {
		return []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":` + status + `,"scimType":"` + scimType + `","detail":"` + detail + `"}`)
	}
	cases := []struct {
		name       string
		status     int
		h          http.Header
		body       []byte
		kind       directory.Kind
		code       string
		retryAfter time.Duration
		msg        string
	}{
		{"ok", 200, nil, nil, "", "", 0, ""},
		{"no content", 204, nil, nil, "", "", 0, ""},
		{"throttled seconds", 429, h("Retry-After", "7"), errBody(`"429"`, "", "slow down"), directory.KindThrottled, "", 7 * time.Second, "slow down"},
		{"throttled date", 429, h("Retry-After", now.Add(30*time.Second).Format(http.TimeFormat)), nil, directory.KindThrottled, "", 30 * time.Second, "Too Many Requests"},
		{"throttled no header", 429, nil, nil, directory.KindThrottled, "", defaultThrottleWait, ""},
		{"unavailable", 503, h("Retry-After", "2"), errBody(`"503"`, "", "maintenance"), directory.KindTransient, "", 2 * time.Second, "maintenance"},
		{"internal", 500, nil, []byte("<html>oops</html>"), directory.KindTransient, "", 0, "Internal Server Error"},
		{"gateway timeout", 504, nil, nil, directory.KindTransient, "", 0, ""},
		{"invalid filter", 400, nil, errBody(`"400"`, "invalidFilter", "bad filter"), directory.KindPermanent, "invalidFilter", 0, "bad filter"},
		{"numeric status body", 400, nil, errBody(`400`, "invalidValue", "userName is required"), directory.KindPermanent, "invalidValue", 0, "userName"},
		{"unauthorized", 401, nil, errBody(`"401"`, "", "bad token"), directory.KindPermanent, "", 0, "bad token"},
		{"forbidden", 403, nil, errBody(`"403"`, "", "no scope"), directory.KindPermanent, "", 0, "no scope"},
		{"conflict", 409, nil, errBody(`"409"`, "uniqueness", "taken"), directory.KindPermanent, "uniqueness", 0, "taken"},
		{"precondition", 412, nil, nil, directory.KindPermanent, "", 0, ""},
		{"not found", 404, nil, errBody(`"404"`, "", "no such user"), directory.KindNotFound, "", 0, "no such user"},
		{"vendor message field", 400, nil, []byte(`{"message":"nope"}`), directory.KindPermanent, "", 0, "nope"},
		{"secret echoed", 401, nil, errBody(`"401"`, "", "token s3cr3t-tok is invalid"), directory.KindPermanent, "", 0, "[redacted]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := classify("scim:x", "op", c.status, c.h, c.body, now, "s3cr3t-tok")
			if c.kind == "" {
				if e != nil {
					t.Fatalf("got %v, want nil", e)
				}
				return
			}
			if e == nil {
				t.Fatal("got nil")
			}
			if e.Kind != c.kind || e.Status != c.status || e.Code != c.code || e.RetryAfter != c.retryAfter {
				t.Errorf("got kind=%s status=%d code=%q ra=%s", e.Kind, e.Status, e.Code, e.RetryAfter)
			}
			if !strings.Contains(e.Message, c.msg) {
				t.Errorf("message %q lacks %q", e.Message, c.msg)
			}
			if strings.Contains(e.Error(), "s3cr3t-tok") {
				t.Errorf("secret in error: %s", e)
			}
		})
	}
	if bodyStatus([]byte(`"409"`)) != 409 || bodyStatus([]byte(`409`)) != 409 || bodyStatus(nil) != 0 {
		t.Error("bodyStatus")
	}
	if e := classify("s", "op", 0, nil, errBody(`"409"`, "uniqueness", "x"), now, ""); e == nil || e.Status != 409 || e.Kind != directory.KindPermanent {
		t.Errorf("status from body: %v", e)
	}
}

// A long detail is cut on a character boundary: the message stays UTF-8.
func TestClassifyCutsLongDetailOnRune(t *testing.T) {
	detail := strings.Repeat("a", 299) + strings.Repeat("é", 10)
	e := classify("scim:x", "op", 400, nil, []byte(`{"detail":"`+detail+`"}`), time.Now(), "")
	if !utf8.ValidString(e.Message) || !strings.HasSuffix(e.Message, "…") || len(e.Message) > 300+len("…") {
		t.Fatalf("message %q", e.Message)
	}
}
