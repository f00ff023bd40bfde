package workflows

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// The hybrid shape: Entra Connect syncs users from on-premises AD, which
// masters their account state, names, department, title and manager. Graph
// refuses those writes for a synced user, so the Entra lane of a synced user
// writes none of them: AD's own lane does, and the Entra lane waits on a
// durable timer for the sync to carry the change, bounded by the policy's
// EntraSyncWait. What stays the cloud's (sessions, licences, cloud groups,
// admin roles, devices, usage location) is done in Entra directly. Whether a
// user is synced is Graph's onPremisesSyncEnabled, read by the lookup.

// changeEntraSynced guards the synced-user lanes (a policy with
// EntraSyncedFrom); the version is taken only by such runs.
const changeEntraSynced = "entra-synced-from-ad"

// syncedDirectory is the directory whose users Entra Connect syncs.
const syncedDirectory = "entra"

func hybridVersion(ctx workflow.Context, p contract.Policy) bool {
	if p.EntraSyncedFrom == "" || !slices.Contains(p.Directories, syncedDirectory) {
		return false
	}
	return workflow.GetVersion(ctx, changeEntraSynced, workflow.DefaultVersion, 1) >= 1
}

func syncedLane(p contract.Policy, dir string) bool {
	return dir == syncedDirectory && p.EntraSyncedFrom != ""
}

// syncPoll is how often a waiting lane reads Entra back: a fortieth of the
// bound, between a second and a minute (40 reads in the default 40m).
func syncPoll(wait time.Duration) time.Duration {
	return min(max(wait/40, time.Second), time.Minute)
}

func syncWait(p contract.Policy) time.Duration {
	if p.EntraSyncWait > 0 {
		return p.EntraSyncWait
	}
	return 40 * time.Minute
}

// findAccount is l.account, except on a synced lane: there the account is
// always looked up, known or not, to read whether it is synced.
func (l *lifecycle) findAccount(ctx workflow.Context, lane *contract.DirectoryResult, known map[string]string, r domain.HRRecord) (id string, synced bool, err error) {
	if !l.hybrid || !syncedLane(l.policy, lane.Directory) {
		id, err = l.account(ctx, lane, known, r)
		return id, false, err
	}
	out, ok, err := step(ctx, l, lane, "lookup account", "", contract.LookupAccount,
		contract.LookupAccountInput{Directory: lane.Directory, EmployeeID: l.employeeID, Email: r.Email})
	if err != nil || !ok {
		return "", false, err
	}
	if !out.Found {
		lane.Result = domain.ResultNoAccount
		return "", false, nil
	}
	lane.AccountID = out.AccountID
	return out.AccountID, out.Synced, nil
}

// mastered records the step AD does for this lane, written nowhere here.
func (l *lifecycle) mastered(lane *contract.DirectoryResult, step string) {
	lane.Actions = append(lane.Actions, contract.Action{Step: step,
		Outcome: fmt.Sprintf("%s (done in %s; Entra Connect syncs it)", domain.MasteredOnPremises, l.policy.EntraSyncedFrom)})
}

// offboardSynced is the leaver's Entra lane of a synced user: no disable
// (AD's lane disables), sessions revoked in Entra at once, cloud access
// removed, devices retired; then the lane waits for Entra to show the
// account disabled, revokes once more (a token minted before the sync
// arrived dies too) and verifies as every lane does.
func (l *lifecycle) offboardSynced(ctx workflow.Context, lane *contract.DirectoryResult, in contract.LeaverInput, ain contract.AccountInput) {
	l.mastered(lane, "disable")
	if !l.revokeAndRemove(ctx, lane, in, ain) {
		return
	}
	if _, ok := l.awaitSync(ctx, lane, in.Record, "still shows the account enabled", func(a contract.AccountOutput) bool { return a.Found && !a.Enabled }); !ok {
		return
	}
	since := workflow.Now(ctx)
	if _, err := do(ctx, l, lane, "revoke sessions", contract.RevokeSessions, ain); err != nil {
		return
	}
	l.verifyOffboarded(ctx, lane, ain, since)
}

// moveSynced is the mover's Entra lane of a synced user: AD's lane writes
// the profile and the manager; here only the usage location and the
// catalog's cloud access.
func (l *lifecycle) moveSynced(ctx workflow.Context, lane *contract.DirectoryResult, in contract.MoverInput, id string, person domain.Person, changes []domain.Change) {
	l.mastered(lane, "update profile")
	if !l.cloudProfile(ctx, lane, id, person) {
		return
	}
	if m := in.New.ManagerEmployeeID; m != "" && m != in.Old.ManagerEmployeeID {
		l.mastered(lane, "set manager")
	}
	l.applyAccess(ctx, lane, id, changes)
}

// provisionSynced is the joiner's Entra lane when users come from AD: AD's
// lane creates the account; this one waits for the sync to bring it, then
// sets what is the cloud's (usage location, licences, cloud groups). It
// answers false when the account found is cloud-only: the usual lane runs.
func (l *lifecycle) provisionSynced(ctx workflow.Context, lane *contract.DirectoryResult, in contract.JoinerInput, person domain.Person, changes []domain.Change) bool {
	acct, ok := l.awaitSync(ctx, lane, in.Record, "has no account for the joiner", func(a contract.AccountOutput) bool { return a.Found })
	if !ok {
		return true
	}
	if !acct.Synced {
		lane.Actions = lane.Actions[:len(lane.Actions)-1] // the wait's action: the usual lane records its own
		return false
	}
	lane.AccountID = acct.AccountID
	l.mastered(lane, "ensure account")
	if !l.cloudProfile(ctx, lane, acct.AccountID, person) {
		return true
	}
	if in.Record.ManagerEmployeeID != "" {
		l.mastered(lane, "set manager")
	}
	l.applyAccess(ctx, lane, acct.AccountID, changes)
	return true
}

// cloudProfile writes the one profile field that stays the cloud's on a
// synced user, the usage location (licensing needs it); false when the lane
// stops (skipped or cancelled).
func (l *lifecycle) cloudProfile(ctx workflow.Context, lane *contract.DirectoryResult, id string, person domain.Person) bool {
	if person.UsageLocation == "" {
		return true
	}
	ok, err := do(ctx, l, lane, "update usage location", contract.UpdateProfile, contract.UpdateProfileInput{
		Directory: lane.Directory, AccountID: id, Person: domain.Person{EmployeeID: person.EmployeeID, UsageLocation: person.UsageLocation},
	})
	return ok && err == nil
}

// awaitSync reads the account back every syncPoll until done says the
// sync has arrived, on durable timers. Past the policy's bound the lane
// blocks for an operator like a failed step: retry waits another bound,
// skip gives up. ok is false when the lane stops.
func (l *lifecycle) awaitSync(ctx workflow.Context, lane *contract.DirectoryResult, r domain.HRRecord, what string, done func(contract.AccountOutput) bool) (contract.AccountOutput, bool) {
	wait := syncWait(l.policy)
	poll := syncPoll(wait)
	start := workflow.Now(ctx)
	deadline := start.Add(wait)
	reads := 0
	for {
		out, ok, err := step(ctx, l, lane, "read back after sync", "", contract.LookupAccount,
			contract.LookupAccountInput{Directory: lane.Directory, EmployeeID: l.employeeID, Email: r.Email})
		if err != nil || !ok {
			return out, false
		}
		reads++
		if done(out) {
			lane.Actions = append(lane.Actions, contract.Action{Step: "wait for sync",
				Outcome: fmt.Sprintf("synced from %s after %s (%d reads)", l.policy.EntraSyncedFrom, workflow.Now(ctx).Sub(start).Round(time.Second), reads)})
			return out, true
		}
		if !workflow.Now(ctx).Before(deadline) {
			msg := fmt.Sprintf("%s %s after %s: Entra Connect has not synced it from %s (directories.entra.sync_wait)", lane.Directory, what, wait, l.policy.EntraSyncedFrom)
			action, err := l.waitForOperator(ctx, lane, "wait for sync", msg)
			if err != nil || action == contract.UpdateSkip {
				return out, false
			}
			deadline = workflow.Now(ctx).Add(wait)
			continue
		}
		if err := workflow.NewTimerWithOptions(ctx, poll, workflow.TimerOptions{Summary: "wait for Entra Connect sync · " + lane.Directory}).Get(ctx, nil); err != nil {
			return out, false
		}
	}
}
