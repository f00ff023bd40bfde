package activities_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/emulator"
)

// TestLeaverLaneCallsPerDirectory runs a leaver's lane as the Leaver
// workflow does (LockOutAccount, RemoveAccessAndDevices, VerifyDisabled)
// against each emulator and pins every request it makes, in order. Each
// read the lane no longer makes (the read before the disable, Okta's
// read-back inside the look-up and its polling read after deactivate, the
// re-read before each role, license and device removal, Google's read of
// the user for its email) would come back as an extra line here.
// E0021 goes first so the per-worker caches (role definitions, SKUs,
// group ids) are filled, as on any worker that has run a leaver.
func TestLeaverLaneCallsPerDirectory(t *testing.T) {
	r := newRig(t)
	warm, e := r.employee("E0021"), r.employee("E0014") // both in IT: two groups, a licence, a device, an admin role
	lane := func(dir, employeeID, email string) {
		t.Helper()
		var lo contract.LockOutOutput
		r.must(contract.LockOutAccount.Name, contract.LockOutInput{Directory: dir, EmployeeID: employeeID, Email: email}, &lo)
		if !lo.Found {
			t.Fatalf("%s: no account for %s", dir, employeeID)
		}
		in := contract.AccountInput{Directory: dir, AccountID: lo.AccountID, EmployeeID: employeeID, Login: lo.Login, Since: time.Now().Add(-time.Second)}
		var out contract.StepOutput
		r.must(contract.RemoveAccessAndDevices.Name, contract.OffboardAccessInput{AccountInput: in, RetireDevices: true}, &out)
		var v contract.VerifyOutput
		r.must(contract.VerifyDisabled.Name, in, &v)
		if !v.Disabled || !v.SessionsRevoked {
			t.Fatalf("%s: verify %+v", dir, v)
		}
	}
	for _, tc := range []struct {
		dir  string
		log  func() []emulator.Request
		want []string
	}{
		{"entra", r.set.Graph.Requests, []string{
			"GET /v1.0/users",     // find by employeeId (accountEnabled, onPremisesSyncEnabled)
			"PATCH /v1.0/users/*", // disable: no read first
			"POST /v1.0/users/*/revokeSignInSessions",
			"GET /v1.0/roleManagement/directory/roleAssignmentScheduleInstances",
			"POST /v1.0/roleManagement/directory/roleAssignmentScheduleRequests", // no re-list per role
			"GET /v1.0/users/*/memberOf",
			"DELETE /v1.0/groups/*/members/*/$ref",
			"DELETE /v1.0/groups/*/members/*/$ref",
			"GET /v1.0/users/*",                // the licences
			"POST /v1.0/users/*/assignLicense", // no re-read per licence
			"GET /v1.0/deviceManagement/managedDevices",
			"POST /v1.0/deviceManagement/managedDevices/*/retire", // no read of the device
			"GET /v1.0/users/*",                                   // verify: accountEnabled + signInSessionsValidFromDateTime
		}},
		{"okta", r.set.Okta.Requests, []string{
			"GET /api/v1/users",                         // search by employeeNumber: its id, no read-back
			"POST /api/v1/users/*/lifecycle/deactivate", // no settled read before, no polling read after
			"DELETE /api/v1/users/*/sessions",
			"GET /api/v1/users/*/roles",
			"DELETE /api/v1/users/*/roles/*", // by the listed id
			"GET /api/v1/users/*/groups",
			"DELETE /api/v1/groups/*/users/*",
			"DELETE /api/v1/groups/*/users/*",
			"GET /api/v1/users/*", // verify: DEPROVISIONED, no transition
		}},
		{"google", r.set.Google.Requests, []string{
			"GET /admin/directory/v1/users",   // search by externalId (primaryEmail, suspended)
			"PUT /admin/directory/v1/users/*", // suspend: no read first
			"POST /admin/directory/v1/users/*/signOut",
			"GET /admin/directory/v1/users/*/tokens",
			"DELETE /admin/directory/v1/users/*/tokens/*",
			"GET /admin/directory/v1/customer/my_customer/roleassignments",
			"DELETE /admin/directory/v1/customer/my_customer/roleassignments/*", // by the listed id
			"GET /admin/directory/v1/groups",
			"DELETE /admin/directory/v1/groups/*/members/*",
			"DELETE /admin/directory/v1/groups/*/members/*",
			"GET /admin/directory/v1/customer/my_customer/devices/mobile", // by the email the search returned
			"POST /admin/directory/v1/customer/my_customer/devices/mobile/*/action",
			"GET /admin/directory/v1/users/*", // verify: suspended
			"GET /admin/directory/v1/users/*/tokens",
		}},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			lane(tc.dir, warm.EmployeeID, warm.Record.Email)
			n := len(tc.log())
			lane(tc.dir, e.EmployeeID, e.Record.Email)
			got := shapes(tc.log()[n:])
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s lane made %d calls, want %d:\n  got  %s\n  want %s", tc.dir, len(got), len(tc.want),
					strings.Join(got, "\n       "), strings.Join(tc.want, "\n       "))
			}
		})
	}
}

var idSegment = regexp.MustCompile(`^(v[0-9.]+|[^0-9@]*)$`)

// shapes renders requests as "METHOD /path", every path segment holding a
// digit or an @ (an id, an email) as "*", so a pinned list names the calls, not the ids.
func shapes(reqs []emulator.Request) []string {
	out := make([]string, 0, len(reqs))
	for _, q := range reqs {
		seg := strings.Split(q.Path, "/")
		for i, s := range seg {
			if !idSegment.MatchString(s) {
				seg[i] = "*"
			}
		}
		out = append(out, q.Method+" "+strings.Join(seg, "/"))
	}
	return out
}
