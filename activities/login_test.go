package activities_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/jml-dev/jml/activities"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// TestFindLoginSkipsTakenAddresses: the first candidate is free until a
// directory holds it; then the next suffix is offered, and the taken one
// is named with the directory holding it. Preview gives the same answer
// without reserving.
func TestFindLoginSkipsTakenAddresses(t *testing.T) {
	r := newRig(t)
	pol := contract.LoginPolicy{Domain: "demo.jml.test"}
	in := contract.FindLoginInput{EmployeeID: "Z0001", GivenName: "Jöhanna", FamilyName: "O'Dóe", Policy: pol, Directories: r.cfg.EnabledDirectories(), From: 1}
	var out contract.FindLoginOutput
	if err := r.run(contract.FindLogin.Name, in, &out); err != nil {
		t.Fatal(err)
	}
	if out.Address != "joehanna.odoe@demo.jml.test" || out.N != 1 || out.Existing {
		t.Fatalf("first candidate: %+v", out)
	}
	okta := r.acts.Directories["okta"]
	if _, _, err := okta.CreateUser(context.Background(), domain.Person{EmployeeID: "Z0002", Email: out.Address, GivenName: "J", FamilyName: "O"}, true); err != nil {
		t.Fatal(err)
	}
	if err := r.run(contract.FindLogin.Name, in, &out); err != nil {
		t.Fatal(err)
	}
	if out.Address != "joehanna.odoe2@demo.jml.test" || out.N != 2 || len(out.Taken) != 1 || !strings.Contains(out.Taken[0], "(okta)") {
		t.Fatalf("after okta took it: %+v", out)
	}
	prev, err := activities.PreviewLogin(context.Background(), r.acts.Directories, r.cfg.EnabledDirectories(), pol,
		domain.HRRecord{EmployeeID: "Z0001", GivenName: "Jöhanna", FamilyName: "O'Dóe"})
	if err != nil || prev.Address != out.Address {
		t.Fatalf("preview %+v, %v; want %s", prev, err, out.Address)
	}
	// The employee already has an account: its login, nothing allocated.
	in.EmployeeID = "Z0002"
	if err := r.run(contract.FindLogin.Name, in, &out); err != nil {
		t.Fatal(err)
	}
	if !out.Existing || out.Address != "joehanna.odoe@demo.jml.test" {
		t.Fatalf("existing account: %+v", out)
	}
	// A name with nothing ASCII is refused, naming the field and record.
	in = contract.FindLoginInput{EmployeeID: "Z0003", GivenName: "李", FamilyName: "王", Policy: pol, Directories: r.cfg.EnabledDirectories(), From: 1}
	err = r.run(contract.FindLogin.Name, in, &out)
	if err == nil || !strings.Contains(err.Error(), "record Z0003: field given_name") {
		t.Fatalf("non-Latin name: %v", err)
	}
}

// TestMatchAccountAmbiguous: one account carries the employee id, another
// the email: two candidates, a non-retryable AmbiguousAccount error naming
// both account ids, so the lane blocks and the alert names them.
func TestMatchAccountAmbiguous(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	okta := r.acts.Directories["okta"]
	a, _, err := okta.CreateUser(ctx, domain.Person{EmployeeID: "Z0100", Email: "first.z100@demo.jml.test", GivenName: "Zed", FamilyName: "One"}, true)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := okta.CreateUser(ctx, domain.Person{Email: "zed.one@demo.jml.test", GivenName: "Zed", FamilyName: "One"}, true)
	if err != nil {
		t.Fatal(err)
	}
	var out contract.AccountOutput
	err = r.run(contract.MatchAccount.Name, contract.MatchAccountInput{Directory: "okta", EmployeeID: "Z0100", Email: "zed.one@demo.jml.test"}, &out)
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || app.Type() != contract.ErrAmbiguousAccount || !app.NonRetryable() {
		t.Fatalf("want a non-retryable %s, got %v", contract.ErrAmbiguousAccount, err)
	}
	for _, id := range []string{a.ID, b.ID} {
		if !strings.Contains(err.Error(), id) {
			t.Errorf("the error does not name candidate %s: %v", id, err)
		}
	}
	// One candidate: matched, by employee id.
	if err := r.run(contract.MatchAccount.Name, contract.MatchAccountInput{Directory: "okta", EmployeeID: "Z0100", Email: "first.z100@demo.jml.test"}, &out); err != nil {
		t.Fatal(err)
	}
	if !out.Found || out.AccountID != a.ID || out.Outcome != "matched by employee id" {
		t.Fatalf("single match: %+v", out)
	}
	// The configured attribute finds it too (Okta searches profile.<attr>).
	if err := r.run(contract.MatchAccount.Name, contract.MatchAccountInput{Directory: "okta", EmployeeID: "Z0100", MatchAttribute: "employeeNumber"}, &out); err != nil {
		t.Fatal(err)
	}
	if !out.Found || out.AccountID != a.ID {
		t.Fatalf("attribute match: %+v", out)
	}
	// Nobody: not found, no error.
	if err := r.run(contract.MatchAccount.Name, contract.MatchAccountInput{Directory: "okta", EmployeeID: "Z0999", Email: "nobody@demo.jml.test"}, &out); err != nil || out.Found {
		t.Fatalf("no match: %+v, %v", out, err)
	}
}
