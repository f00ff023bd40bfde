package activities_test

import (
	"strings"
	"testing"
	"time"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/domain"
)

// On a layoff day the calls are the floor. Okta's leaver removes the
// memberships it has just listed without reading them again, and reads
// the account back once, by id, for both guarantees (DEPROVISIONED:
// disabled, every session ended). Counted on the emulator's log.
func TestOktaLeaverSpendsOneCallPerGuarantee(t *testing.T) {
	r := newRig(t)
	e := r.employee("E0014")
	var acct contract.AccountOutput
	r.must(contract.LookupAccount.Name, contract.LookupAccountInput{Directory: "okta", EmployeeID: e.EmployeeID}, &acct)
	in := contract.AccountInput{Directory: "okta", AccountID: acct.AccountID, EmployeeID: e.EmployeeID, Since: time.Now().Add(-time.Second)}
	r.must(contract.DisableAccount.Name, in, nil)
	r.must(contract.RevokeSessions.Name, in, nil)

	calls := func(method, suffix string) int {
		n := 0
		for _, q := range r.set.Okta.Requests() {
			if q.Method == method && strings.HasSuffix(q.Path, suffix) && q.Status < 400 {
				n++
			}
		}
		return n
	}
	lists, searches := calls("GET", "/users/"+acct.AccountID+"/groups"), calls("GET", "/api/v1/groups")
	var out contract.StepOutput
	r.must(contract.RemoveAllAccess.Name, in, &out)
	removed := 0
	for _, a := range out.Actions {
		if a.Step == "remove group" {
			removed++
		}
	}
	if removed < 2 {
		t.Fatalf("fixture: E0014 should hold two Okta groups or more, removed %d (%+v)", removed, out.Actions)
	}
	if got := calls("GET", "/users/"+acct.AccountID+"/groups") - lists; got != 1 {
		t.Errorf("remove access listed the user's groups %d times, want once for %d removals", got, removed)
	}
	if got := calls("GET", "/api/v1/groups") - searches; got != 0 {
		t.Errorf("remove access searched groups by name %d times; the listing carries their ids", got)
	}

	reads, userSearches := calls("GET", "/users/"+acct.AccountID), calls("GET", "/api/v1/users")
	var v contract.VerifyOutput
	r.must(contract.VerifyDisabled.Name, in, &v)
	if !v.Disabled || !v.SessionsRevoked {
		t.Fatalf("verify %+v", v)
	}
	if got := calls("GET", "/users/"+acct.AccountID) - reads; got != 1 {
		t.Errorf("verify read the account %d times, want once", got)
	}
	if got := calls("GET", "/api/v1/users") - userSearches; got != 0 {
		t.Errorf("verify searched users %d times; it reads by the lane's id", got)
	}
}

// Entra and Google read the account back by the lane's id (no second
// search by employee id), Entra in one GET for both guarantees; a SCIM
// app's deprovision PATCHes the account its search found, without a read.
func TestLeaverFindsEachAccountOnce(t *testing.T) {
	r := newRig(t)
	e := r.employee("E0014")
	for _, tc := range []struct {
		dir          string
		log          func() []emulator.Request
		search       string // the find-by-employee-id request's path
		verifyCalls  int    // every request VerifyDisabled makes
		verifyByIDOf string // a path VerifyDisabled must read by id
	}{
		{"entra", r.set.Graph.Requests, "/v1.0/users", 1, "/v1.0/users/"},
		{"google", r.set.Google.Requests, "/admin/directory/v1/users", 2, "/admin/directory/v1/users/"},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			var acct contract.AccountOutput
			r.must(contract.LookupAccount.Name, contract.LookupAccountInput{Directory: tc.dir, EmployeeID: e.EmployeeID}, &acct)
			in := contract.AccountInput{Directory: tc.dir, AccountID: acct.AccountID, EmployeeID: e.EmployeeID, Since: time.Now().Add(-time.Second)}
			r.must(contract.DisableAccount.Name, in, nil)
			r.must(contract.RevokeSessions.Name, in, nil)
			n := len(tc.log())
			var v contract.VerifyOutput
			r.must(contract.VerifyDisabled.Name, in, &v)
			if !v.Disabled || !v.SessionsRevoked {
				t.Fatalf("verify %+v", v)
			}
			calls := tc.log()[n:]
			var paths []string
			for _, q := range calls {
				paths = append(paths, q.Method+" "+q.Path)
				if q.Path == tc.search {
					t.Errorf("verify searched for the account again (%s?%s); the lane carries its id", q.Path, q.Query)
				}
			}
			if len(calls) != tc.verifyCalls {
				t.Errorf("verify made %d calls, want %d: %v", len(calls), tc.verifyCalls, paths)
			}
			if len(calls) == 0 || calls[0].Path != tc.verifyByIDOf+acct.AccountID {
				t.Errorf("verify's first call %v, want a read of %s", paths, tc.verifyByIDOf+acct.AccountID)
			}
		})
	}
	t.Run("scim", func(t *testing.T) {
		n := len(r.set.SCIM.Requests())
		var out contract.StepOutput
		r.must(contract.DeprovisionApp.Name, contract.AppInput{App: "zoom", Person: domain.PersonFrom(e.Record)}, &out)
		var got []string
		for _, q := range r.set.SCIM.Requests()[n:] {
			got = append(got, q.Method)
		}
		if strings.Join(got, " ") != "GET PATCH" {
			t.Errorf("deprovision made %v, want one search and one PATCH", got)
		}
		if len(out.Actions) != 1 || out.Actions[0].Outcome != string(domain.Disabled) {
			t.Errorf("deprovision %+v, want disabled", out.Actions)
		}
		if r.set.SCIM.Active("zoom", e.Record.Email) {
			t.Error("the SCIM account is still active")
		}
		// A second run finds it inactive and writes nothing.
		n = len(r.set.SCIM.Requests())
		r.must(contract.DeprovisionApp.Name, contract.AppInput{App: "zoom", Person: domain.PersonFrom(e.Record)}, &out)
		if got := len(r.set.SCIM.Requests()) - n; got != 1 || out.Actions[0].Outcome != string(domain.AlreadyDisabled) {
			t.Errorf("repeat made %d calls (%+v), want one search answering already disabled", got, out.Actions)
		}
	})
}
