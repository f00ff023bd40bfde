package entra

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"syscall"
	"testing"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/integrations/directory"
)

func odataErr(status int, code, msg string, headers ...string) error {
	e := odataerrors.NewODataError()
	main := odataerrors.NewMainError()
	main.SetCode(&code)
	main.SetMessage(&msg)
	e.SetErrorEscaped(main)
	e.ResponseStatusCode = status
	h := abs.NewResponseHeaders()
	for i := 0; i+1 < len(headers); i += 2 {
		h.Add(headers[i], headers[i+1])
	}
	e.ResponseHeaders = h
	return e
}

func TestClassify(t *testing.T) {
	reset := &url.Error{Op: "Get", URL: "http://127.0.0.1/v1.0/users", Err: &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}}
	tests := []struct {
		name       string
		err        error
		kind       directory.Kind
		status     int
		code       string
		msg        string
		retryAfter time.Duration
	}{
		{"429 with Retry-After", odataErr(429, "TooManyRequests", "Too many requests.", "Retry-After", "7"), directory.KindThrottled, 429, "TooManyRequests", "Too many requests.", 7 * time.Second},
		{"429 without Retry-After", odataErr(429, "TooManyRequests", "slow down"), directory.KindThrottled, 429, "TooManyRequests", "slow down", 0},
		{"503", odataErr(503, "serviceNotAvailable", "try later", "Retry-After", "2"), directory.KindTransient, 503, "serviceNotAvailable", "try later", 2 * time.Second},
		{"500", odataErr(500, "generalException", "boom"), directory.KindTransient, 500, "generalException", "boom", 0},
		{"504 empty body", &abs.ApiError{ResponseStatusCode: 504}, directory.KindTransient, 504, "", "error status code received from the API", 0},
		{"400 keeps Graph's message", odataErr(400, "Request_BadRequest", "Invalid value specified for property 'usageLocation' of resource 'User'."), directory.KindPermanent, 400, "Request_BadRequest", "Invalid value specified for property 'usageLocation' of resource 'User'.", 0},
		{"401", odataErr(401, "InvalidAuthenticationToken", "Access token is empty."), directory.KindPermanent, 401, "InvalidAuthenticationToken", "Access token is empty.", 0},
		{"403", odataErr(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."), directory.KindPermanent, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.", 0},
		{"409", odataErr(409, "Request_Conflict", "conflict"), directory.KindPermanent, 409, "Request_Conflict", "conflict", 0},
		{"404", odataErr(404, "Request_ResourceNotFound", "Resource 'x' does not exist"), directory.KindNotFound, 404, "Request_ResourceNotFound", "Resource 'x' does not exist", 0},
		{"wrapped 404", fmt.Errorf("get: %w", odataErr(404, "Request_ResourceNotFound", "gone")), directory.KindNotFound, 404, "Request_ResourceNotFound", "gone", 0},
		{"connection reset", reset, directory.KindTransient, 0, "", reset.Error(), 0},
		{"deadline", fmt.Errorf("call: %w", context.DeadlineExceeded), directory.KindTransient, 0, "", "call: context deadline exceeded", 0},
		{"unexpected EOF", &url.Error{Op: "Post", URL: "u", Err: errors.New("EOF")}, directory.KindTransient, 0, "", `Post "u": EOF`, 0},
		{"not a transport error", errors.New("content type application/xml does not have a factory registered to be parsed"), directory.KindPermanent, 0, "", "content type application/xml does not have a factory registered to be parsed", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := classify("op_x", tc.err)
			var de *directory.Error
			require.True(t, errors.As(err, &de))
			require.Equal(t, System, de.System)
			require.Equal(t, "op_x", de.Op)
			require.Equal(t, tc.kind, de.Kind)
			require.Equal(t, tc.status, de.Status)
			require.Equal(t, tc.code, de.Code)
			require.Equal(t, tc.msg, de.Message)
			require.Equal(t, tc.retryAfter, de.RetryAfter)
		})
	}
	require.NoError(t, classify("op", nil))
	already := &directory.Error{System: System, Op: "inner", Kind: directory.KindNotFound}
	require.Same(t, already, classify("outer", already))
}

func TestRedactAndPassword(t *testing.T) {
	require.Equal(t, "token [REDACTED] and [REDACTED]", redact("token abc and xyz", "abc", "xyz"))
	seen := map[string]bool{}
	for range 50 {
		p, err := newPassword()
		require.NoError(t, err)
		require.Len(t, p, 24)
		require.Regexp(t, `[A-Z]`, p)
		require.Regexp(t, `[a-z]`, p)
		require.Regexp(t, `[0-9]`, p)
		require.Regexp(t, `[^A-Za-z0-9]`, p)
		require.False(t, seen[p])
		seen[p] = true
	}
	require.Equal(t, "ada.lovelace1", mailNickname("ada.lovelace1@demo.jml.test"))
	require.Equal(t, "jos", mailNickname("jos\u00e9@x"))
	require.Equal(t, "'O''Brien'", quote("O'Brien"))
}
