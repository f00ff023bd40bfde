package activities

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

func TestTemporalErrorMapping(t *testing.T) {
	cases := []struct {
		name         string
		err          error
		wantType     domain.ErrorType
		nonRetryable bool
		delay        time.Duration
	}{
		{"throttled honours Retry-After", &directory.Error{System: "okta", Op: "disable", Kind: directory.KindThrottled, Status: 429, RetryAfter: 7 * time.Second}, domain.ErrDirectoryThrottled, false, 7 * time.Second},
		{"transient retried", &directory.Error{System: "entra", Kind: directory.KindTransient, Status: 503}, domain.ErrDirectoryTransient, false, 0},
		{"permanent (forbidden) final", &directory.Error{System: "entra", Kind: directory.KindPermanent, Status: 403, Code: "Authorization_RequestDenied"}, domain.ErrDirectoryPermanent, true, 0},
		{"not found final", &directory.Error{System: "google", Kind: directory.KindNotFound, Status: 404}, domain.ErrDirectoryNotFound, true, 0},
		{"unsupported final", directory.Unsupported("scim:zoom", "licenses"), domain.ErrDirectoryUnsupported, true, 0},
		{"wrapped directory error", fmt.Errorf("remove group: %w", &directory.Error{System: "okta", Kind: directory.KindPermanent, Status: 400}), domain.ErrDirectoryPermanent, true, 0},
		{"unclassified network error retried", errors.New("connection reset by peer"), domain.ErrDirectoryTransient, false, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := temporalError(c.err)
			var app *temporal.ApplicationError
			if !errors.As(got, &app) {
				t.Fatalf("got %T %v, want *temporal.ApplicationError", got, got)
			}
			if app.Type() != string(c.wantType) || app.NonRetryable() != c.nonRetryable || app.NextRetryDelay() != c.delay {
				t.Fatalf("type=%s nonRetryable=%t delay=%s, want %s %t %s", app.Type(), app.NonRetryable(), app.NextRetryDelay(), c.wantType, c.nonRetryable, c.delay)
			}
		})
	}
	if temporalError(nil) != nil {
		t.Fatal("nil must stay nil")
	}
	if !errors.Is(temporalError(context.Canceled), context.Canceled) {
		t.Fatal("cancellation must pass through unchanged")
	}
	// Every non-retryable type is in the list the workflows' retry policies use.
	for _, typ := range []domain.ErrorType{domain.ErrDirectoryPermanent, domain.ErrDirectoryNotFound, domain.ErrDirectoryUnsupported, domain.ErrBadInput} {
		found := false
		for _, n := range contract.NonRetryableErrorTypes {
			found = found || n == string(typ)
		}
		if !found {
			t.Errorf("%s missing from contract.NonRetryableErrorTypes", typ)
		}
	}
	var app *temporal.ApplicationError
	if !errors.As(badInput("x"), &app) || !app.NonRetryable() || app.Type() != string(domain.ErrBadInput) {
		t.Fatal("badInput must be a non-retryable BadInput")
	}
}

func TestScrubEmailsAndSafeMessage(t *testing.T) {
	for in, want := range map[string]string{
		"login ada.lovelace@demo.jml.test belongs to E0004":  "login <email> belongs to E0004",
		"GET /api/v1/users/o'brien%40example.co.uk: EOF":     "GET /api/v1/users/<email>: EOF",
		"Insufficient privileges to complete the operation.": "Insufficient privileges to complete the operation.",
		"a@b.io and C.D+tag@Sub.Example.ORG":                 "<email> and <email>",
	} {
		if got := ScrubEmails(in); got != want {
			t.Errorf("ScrubEmails(%q) = %q, want %q", in, got, want)
		}
	}
	err := temporalError(&directory.Error{System: "entra", Op: "create_user", Kind: directory.KindPermanent, Status: 400, Code: "Request_BadRequest",
		Message: "Another object with the same value for property userPrincipalName ada@demo.jml.test already exists."})
	var app *temporal.ApplicationError
	if !errors.As(err, &app) {
		t.Fatal(err)
	}
	if want := "entra create_user: Permanent (HTTP 400 Request_BadRequest)"; app.Message() != want {
		t.Errorf("message %q, want %q (no free text)", app.Message(), want)
	}
	var detail string
	if err := app.Details(&detail); err != nil || detail != "Another object with the same value for property userPrincipalName <email> already exists." {
		t.Errorf("details %q (%v)", detail, err)
	}
}
