package okta

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/okta/okta-sdk-golang/v2/okta"

	"github.com/jml-dev/jml/integrations/directory"
)

func TestClassify(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	const secret = "00SECRETtokenVALUE"
	rate := http.Header{"Date": {now.Format(http.TimeFormat)}, "X-Rate-Limit-Reset": {fmt.Sprint(now.Add(7 * time.Second).Unix())}}
	dup := &okta.Error{ErrorCode: "E0000001", ErrorSummary: "Api validation failed: login",
		ErrorCauses: []map[string]interface{}{{"errorSummary": "login: An object with this field already exists in the current organization"}}}
	cases := []struct {
		name    string
		status  int
		h       http.Header
		err     error
		kind    directory.Kind
		code    string
		retry   time.Duration
		msgPart string
	}{
		{"429 with reset", 429, rate, &okta.Error{ErrorCode: "E0000047", ErrorSummary: "API call exceeded rate limit due to too many requests."}, directory.KindThrottled, "E0000047", 7 * time.Second, "exceeded rate limit"},
		{"429 retries exhausted (SDK drops the response)", 0, nil, errors.New("too many requests"), directory.KindThrottled, "E0000047", 0, "too many requests"},
		{"429 with Retry-After", 429, http.Header{"Retry-After": {"3"}}, &okta.Error{}, directory.KindThrottled, "E0000047", 3 * time.Second, ""},
		{"500", 500, nil, &okta.Error{ErrorCode: "E0000009", ErrorSummary: "Internal Server Error, x-okta-request-id=abc"}, directory.KindTransient, "E0000009", 0, "Internal Server Error"},
		{"503", 503, nil, &okta.Error{ErrorCode: "E0000010", ErrorSummary: "Service is in read only mode"}, directory.KindTransient, "E0000010", 0, "read only"},
		{"502 without body", 502, nil, &okta.Error{}, directory.KindTransient, "", 0, ""},
		{"400 duplicate login with cause", 400, nil, dup, directory.KindPermanent, "E0000001", 0, "Api validation failed: login (login: An object with this field already exists"},
		{"401", 401, nil, &okta.Error{ErrorCode: "E0000011", ErrorSummary: "Invalid token provided"}, directory.KindPermanent, "E0000011", 0, "Invalid token"},
		{"403", 403, nil, &okta.Error{ErrorCode: "E0000006", ErrorSummary: "You do not have permission to perform the requested action"}, directory.KindPermanent, "E0000006", 0, "permission"},
		{"409 duplicate role", 409, nil, &okta.Error{ErrorCode: "E0000090", ErrorSummary: "Duplicate role assignment exception."}, directory.KindPermanent, "E0000090", 0, "Duplicate role"},
		{"404", 404, nil, &okta.Error{ErrorCode: "E0000007", ErrorSummary: "Not found: Resource not found: x (User)"}, directory.KindNotFound, "E0000007", 0, "Not found"},
		{"connection refused", 0, nil, &url.Error{Op: "Get", URL: "http://127.0.0.1:1/api/v1/users", Err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}}, directory.KindTransient, "", 0, "connection refused"},
		{"reset mid-body", 0, nil, fmt.Errorf("network error: %w", io.EOF), directory.KindTransient, "", 0, "EOF"},
		{"deadline", 0, nil, context.DeadlineExceeded, directory.KindTransient, "", 0, "deadline"},
		{"untrusted certificate", 0, nil, &url.Error{Op: "Get", URL: "https://x", Err: x509.UnknownAuthorityError{}}, directory.KindPermanent, "", 0, "certificate"},
		{"token echoed by a proxy is scrubbed", 400, nil, &okta.Error{ErrorSummary: "bad header SSWS " + secret}, directory.KindPermanent, "", 0, "[redacted]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			de := classify("op", tc.status, tc.h, tc.err, now, secret)
			if de.Kind != tc.kind || de.Code != tc.code || de.RetryAfter != tc.retry {
				t.Fatalf("got kind=%s code=%q retry=%s; want %s %q %s (%v)", de.Kind, de.Code, de.RetryAfter, tc.kind, tc.code, tc.retry, de)
			}
			if !strings.Contains(de.Message, tc.msgPart) {
				t.Fatalf("message %q lacks %q", de.Message, tc.msgPart)
			}
			if strings.Contains(de.Error(), secret) {
				t.Fatalf("secret in %q", de.Error())
			}
			if de.System != "okta" || de.Op != "op" {
				t.Fatalf("system/op %q %q", de.System, de.Op)
			}
		})
	}
}
