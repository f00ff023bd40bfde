package activities_test

import (
	"strings"
	"testing"
	"time"

	"github.com/jml-dev/jml/contract"
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
