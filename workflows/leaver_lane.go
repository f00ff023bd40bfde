package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// changeLeaverRoundTrips guards a leaver with fewer round trips through
// the server on its critical path: each lane in three activities where it
// was six (look-up, disable, revoke sessions, remove access, retire
// devices, verify), the look-up's answer sparing the disable its read; and
// the catalog plan for manual apps, before the lanes, as a local activity.
// (The offboarding log row stays an activity: the Temporal UI shows a
// local activity's type but not its summary.) A synced Entra lane keeps
// its own steps (offboardSynced).
const changeLeaverRoundTrips = "leaver-fewer-round-trips"

// offboardInThreeSteps is offboardDirectory in three activities: lock out
// (find unless known, disable, revoke sessions), remove access (and retire
// devices where the policy says so), verify. The step names stay those an
// operator retries or skips ("disable", "remove access", "verify").
func (l *lifecycle) offboardInThreeSteps(ctx workflow.Context, lane *contract.DirectoryResult, in contract.LeaverInput, seen *presence) {
	since := workflow.Now(ctx)
	lin := contract.LockOutInput{Directory: lane.Directory, AccountID: in.Accounts[lane.Directory], EmployeeID: in.EmployeeID, Email: in.Record.Email}
	if lin.AccountID != "" {
		lane.AccountID = lin.AccountID
		seen.resolved(true) // known: there is an account to offboard
	}
	out, ok, err := step(ctx, l, lane, "disable", "and revoke sessions", contract.LockOutAccount, lin)
	if err == nil && lin.AccountID == "" {
		// Found, or known not to exist; a skipped step may hide one.
		seen.resolved(!ok || out.Found)
	}
	switch {
	case err != nil:
		return
	case !ok && lin.AccountID == "":
		return // skipped before an account was known
	case !ok:
		// Skipped with the id known: the rest still runs, as it did after
		// a skipped disable.
		out = contract.LockOutOutput{Found: true, AccountID: lin.AccountID}
	case !out.Found:
		lane.Result = domain.ResultNoAccount
		return
	}
	lane.AccountID = out.AccountID
	lane.Actions = append(lane.Actions, out.Actions...)
	ain := contract.AccountInput{Directory: lane.Directory, AccountID: out.AccountID, EmployeeID: in.EmployeeID, Login: out.Login}
	detail := ""
	if in.Policy.RetireDevices {
		detail = "and retire devices"
	}
	rm, done, err := step(ctx, l, lane, "remove access", detail, contract.RemoveAccessAndDevices, contract.OffboardAccessInput{AccountInput: ain, RetireDevices: in.Policy.RetireDevices})
	if err != nil {
		return
	}
	if done {
		lane.Actions = append(lane.Actions, rm.Actions...)
		l.accessDone[lane.Directory] = true
	}
	l.verifyOffboarded(ctx, lane, ain, since)
}
