package workflows

import (
	"fmt"
	"time"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"go.temporal.io/sdk/workflow"
)

// LeaverWorkflow offboards an employee in every enabled directory at once:
// disable, revoke sessions and tokens, remove groups, licenses and admin
// roles, retire managed devices (configurable), deactivate SCIM app
// accounts, then read each directory back to verify. A durable SLA timer
// from the effective time alerts the security channel and sets SLABreached
// on breach; the work keeps going until done. One row goes to the
// offboarding log.
func LeaverWorkflow(ctx workflow.Context, in contract.LeaverInput) (contract.LifecycleResult, error) {
	res := contract.LifecycleResult{StartedAt: workflow.Now(ctx), EffectiveAt: in.EffectiveAt}
	l, err := newLifecycle(ctx, domain.EventLeaver, in.EmployeeID, in.Policy)
	if err != nil {
		return res, err
	}
	sla := in.Policy.LeaverSLA
	if sla <= 0 {
		sla = time.Hour
	}
	res.SLADeadline = in.EffectiveAt.Add(sla)

	// changeLeaverNoAccounts guards the no-accounts outcome: a termination
	// of someone with no account anywhere writes a no_accounts row and
	// raises no SLA breach.
	noAccountsV1 := workflow.GetVersion(ctx, changeLeaverNoAccounts, workflow.DefaultVersion, 1) >= 1
	fewer := workflow.GetVersion(ctx, changeLeaverRoundTrips, workflow.DefaultVersion, 1) >= 1
	seen := &presence{}
	done := false
	alerting := false
	slaCtx, cancelSLA := workflow.WithCancel(ctx)
	workflow.Go(slaCtx, func(ctx workflow.Context) {
		if d := res.SLADeadline.Sub(workflow.Now(ctx)); d > 0 {
			if err := workflow.NewTimerWithOptions(ctx, d, workflow.TimerOptions{Summary: "leaver SLA"}).Get(ctx, nil); err != nil {
				return // cancelled: finished in time
			}
		}
		if done {
			return
		}
		alerting = true
		defer func() { alerting = false }()
		if noAccountsV1 {
			// An effective time long past makes the deadline fire at once:
			// first learn whether there is anything to offboard at all. The
			// leaver waits for this decision (alerting), so cancelling the
			// SLA timer does not cut the wait short.
			wctx, _ := workflow.NewDisconnectedContext(ctx)
			_ = workflow.Await(wctx, func() bool { return seen.open == 0 || seen.some || len(l.blocked) > 0 })
			if seen.open == 0 && !seen.some {
				return
			}
		}
		l.breached = true
		countSLABreached(ctx)
		l.upsert(ctx, l.status)
		nctx, _ := workflow.NewDisconnectedContext(ctx)
		l.notify(nctx, fmt.Sprintf("jml: SLA BREACHED: offboarding of employee %s is not complete %s after its effective time %s (workflow %s). Work continues.",
			in.EmployeeID, sla, in.EffectiveAt.UTC().Format(time.RFC3339), workflow.GetInfo(ctx).WorkflowExecution.ID))
	})

	// Manual apps: their owners are asked first, so the human's clock
	// starts at once; the lanes never wait on them (apptask_open.go).
	res.AppTasks = l.openAppTasks(ctx, contract.AppTaskRemove, l.leaverManualApps(ctx, in, fewer), in.Record)

	var fns []func(workflow.Context)
	for _, dir := range in.Policy.Directories {
		lane := l.lane(dir)
		fns = append(fns, func(ctx workflow.Context) {
			if fewer && !(l.hybrid && syncedLane(l.policy, lane.Directory)) {
				l.offboardInThreeSteps(ctx, lane, in, seen)
				return
			}
			l.offboardDirectory(ctx, lane, in, seen)
		})
	}
	for i, fn := range l.appLanes(in.Policy.Apps, "deprovision app", contract.DeprovisionApp, domain.PersonFrom(in.Record)) {
		lane := l.lanes[len(in.Policy.Directories)+i]
		fns = append(fns, func(ctx workflow.Context) {
			fn(ctx)
			seen.resolved(appHadAccount(lane))
		})
	}
	seen.open = len(fns)
	parallel(ctx, fns...)
	if err := ctx.Err(); err != nil {
		cancelSLA()
		return res, err
	}
	done = true
	cancelSLA()
	// A breach alert already on its way is let finish, so it is not lost.
	_ = workflow.Await(ctx, func() bool { return !alerting })

	res.CompletedAt = workflow.Now(ctx)
	res.SLABreached = l.breached
	res.SLAMet = !l.breached && !res.CompletedAt.After(res.SLADeadline)
	if noAccountsV1 && !seen.some {
		res.NoAccounts, res.SLAMet = true, true
	}
	res.Accounts = accountsOf(l.lanes)
	// Nothing the catalog granted remains, except where removing it was
	// skipped: a rehire's diff starts from the truth.
	res.Granted = l.granted(in.Granted, domain.Entitlements{})
	res.Directories = l.results()
	res.Decisions = l.decisions

	evidence := &contract.DirectoryResult{Directory: "evidence", Result: domain.ResultOK}
	logIn := contract.OffboardingLogInput{EmployeeID: in.EmployeeID, EffectiveAt: in.EffectiveAt, CompletedAt: res.CompletedAt, SLAMet: res.SLAMet, NoAccounts: res.NoAccounts, Preempted: in.Preempted, Held: in.Held, Directories: res.Directories, Decisions: res.Decisions, ManualApps: res.AppTasks,
		WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, RunID: workflow.GetInfo(ctx).WorkflowExecution.RunID}
	if _, _, err := step(ctx, l, evidence, "offboarding log", "", contract.AppendOffboardingLog, logIn); err != nil {
		return res, err
	}
	final := l.finish(ctx, res)
	final.CompletedAt = res.CompletedAt // the offboarding finished before the log row was written
	countLeaverCompleted(ctx, final)
	return final, nil
}

const changeLeaverNoAccounts = "leaver-no-accounts"

// presence counts the leaver's lanes that have not yet said whether the
// person has an account there, and whether any has.
type presence struct {
	open int
	some bool
}

func (p *presence) resolved(hasAccount bool) {
	p.open--
	p.some = p.some || hasAccount
}

// appHadAccount: the app lane found an account to deprovision, or could not
// tell (failed, skipped).
func appHadAccount(lane *contract.DirectoryResult) bool {
	if lane.Result != domain.ResultOK || len(lane.Actions) == 0 {
		return true
	}
	for _, a := range lane.Actions {
		if a.Outcome != string(domain.WasAbsent) {
			return true
		}
	}
	return false
}

// offboardDirectory is one directory's lane. Disable first (no new sign-in),
// then revoke what is already signed in, then strip access, retire devices
// where the policy says so, and read the account back.
func (l *lifecycle) offboardDirectory(ctx workflow.Context, lane *contract.DirectoryResult, in contract.LeaverInput, seen *presence) {
	id, synced, err := l.findAccount(ctx, lane, in.Accounts, in.Record)
	if err == nil {
		// Found, or known not to exist; a skipped look-up may hide one.
		seen.resolved(id != "" || lane.Result != domain.ResultNoAccount)
	}
	if err != nil || id == "" {
		return
	}
	ain := contract.AccountInput{Directory: lane.Directory, AccountID: id, EmployeeID: in.EmployeeID}
	if synced {
		l.offboardSynced(ctx, lane, in, ain)
		return
	}
	since := workflow.Now(ctx)
	if _, err := do(ctx, l, lane, "disable", contract.DisableAccount, ain); err != nil {
		return
	}
	if !l.revokeAndRemove(ctx, lane, in, ain) {
		return
	}
	l.verifyOffboarded(ctx, lane, ain, since)
}

// revokeAndRemove is the part of a leaver's lane after the disable (or,
// for a synced user, instead of it): sessions revoked, access removed,
// devices retired. false: a step stopped the lane.
func (l *lifecycle) revokeAndRemove(ctx workflow.Context, lane *contract.DirectoryResult, in contract.LeaverInput, ain contract.AccountInput) bool {
	if _, err := do(ctx, l, lane, "revoke sessions", contract.RevokeSessions, ain); err != nil {
		return false
	}
	ok, err := do(ctx, l, lane, "remove access", contract.RemoveAllAccess, ain)
	if err != nil {
		return false
	}
	if ok {
		l.accessDone[lane.Directory] = true
	}
	if in.Policy.RetireDevices {
		if _, err := do(ctx, l, lane, "retire devices", contract.RetireDevices, ain); err != nil {
			return false
		}
	}
	return true
}

// verifyOffboarded reads the account back: disabled, and sessions issued
// before the lane began refused.
func (l *lifecycle) verifyOffboarded(ctx workflow.Context, lane *contract.DirectoryResult, ain contract.AccountInput, since time.Time) {
	ain.Since = since
	v, ok, err := step(ctx, l, lane, "verify", "", contract.VerifyDisabled, ain)
	if err != nil || !ok {
		return
	}
	lane.Verified = v.Disabled && v.SessionsRevoked
	outcome := fmt.Sprintf("disabled=%t sessions_revoked=%t", v.Disabled, v.SessionsRevoked)
	if v.Evidence != "" {
		outcome += " (" + v.Evidence + ")"
	}
	lane.Actions = append(lane.Actions, contract.Action{Step: "verify", Outcome: outcome})
}
