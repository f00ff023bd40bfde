package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/integrations/directory"
)

// LeaverWorkflow offboards an employee in every enabled directory at once:
// disable, revoke sessions and tokens, remove groups, licenses and admin
// roles, retire managed devices (configurable), deactivate SCIM app
// accounts, then read each directory back to verify. A durable SLA timer
// from the effective time alerts the security channel and sets SLABreached
// on breach; the work keeps going until done. One row goes to the
// offboarding log.
func LeaverWorkflow(ctx workflow.Context, in LeaverInput) (LifecycleResult, error) {
	res := LifecycleResult{StartedAt: workflow.Now(ctx), EffectiveAt: in.EffectiveAt}
	l, err := newLifecycle(ctx, EventLeaver, in.EmployeeID, in.Policy)
	if err != nil {
		return res, err
	}
	sla := in.Policy.LeaverSLA
	if sla <= 0 {
		sla = time.Hour
	}
	res.SLADeadline = in.EffectiveAt.Add(sla)

	// leaverNoAccounts guards the no-accounts outcome: a termination of
	// someone with no account anywhere writes a no_accounts row and raises
	// no SLA breach.
	noAccountsV1 := workflow.GetVersion(ctx, changeLeaverNoAccounts, workflow.DefaultVersion, 1) >= 1
	seen := &presence{}
	done := false
	alerting := false
	slaCtx, cancelSLA := workflow.WithCancel(ctx)
	workflow.Go(slaCtx, func(ctx workflow.Context) {
		if d := res.SLADeadline.Sub(workflow.Now(ctx)); d > 0 {
			if err := workflow.NewTimer(ctx, d).Get(ctx, nil); err != nil {
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
		l.upsert(ctx, l.status)
		nctx, _ := workflow.NewDisconnectedContext(ctx)
		l.notify(nctx, fmt.Sprintf("jml: SLA BREACHED: offboarding of employee %s is not complete %s after its effective time %s (workflow %s). Work continues.",
			in.EmployeeID, sla, in.EffectiveAt.UTC().Format(time.RFC3339), workflow.GetInfo(ctx).WorkflowExecution.ID))
	})

	var fns []func(workflow.Context)
	for _, dir := range in.Policy.Directories {
		lane := l.lane(dir)
		fns = append(fns, func(ctx workflow.Context) { l.offboardDirectory(ctx, lane, in, seen) })
	}
	for i, fn := range l.appLanes(in.Policy.Apps, "deprovision app", ActDeprovisionApp, PersonFrom(in.Record)) {
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
	res.Granted = l.granted(in.Granted, config.Entitlements{})
	res.Directories = l.results()
	res.Decisions = l.decisions

	evidence := &DirectoryResult{Directory: "evidence", Result: ResultOK}
	logIn := OffboardingLogInput{EmployeeID: in.EmployeeID, EffectiveAt: in.EffectiveAt, CompletedAt: res.CompletedAt, SLAMet: res.SLAMet, NoAccounts: res.NoAccounts, Preempted: in.Preempted, Directories: res.Directories, Decisions: res.Decisions,
		WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, RunID: workflow.GetInfo(ctx).WorkflowExecution.RunID}
	var logOut OffboardingLogOutput
	if _, err := l.step(ctx, evidence, "offboarding log", directoryOptions(false), ActAppendOffboardingLog, logIn, &logOut); err != nil {
		return res, err
	}
	final := l.finish(ctx, res)
	final.CompletedAt = res.CompletedAt // the offboarding finished before the log row was written
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
func appHadAccount(lane *DirectoryResult) bool {
	if lane.Result != ResultOK || len(lane.Actions) == 0 {
		return true
	}
	for _, a := range lane.Actions {
		if a.Outcome != string(directory.WasAbsent) {
			return true
		}
	}
	return false
}

// offboardDirectory is one directory's lane. Disable first (no new sign-in),
// then revoke what is already signed in, then strip access.
func (l *lifecycle) offboardDirectory(ctx workflow.Context, lane *DirectoryResult, in LeaverInput, seen *presence) {
	id, err := l.account(ctx, lane, in.Accounts, in.Record)
	if err == nil {
		// Found, or known not to exist; a skipped look-up may hide one.
		seen.resolved(id != "" || lane.Result != ResultNoAccount)
	}
	if err != nil || id == "" {
		return
	}
	ain := AccountInput{Directory: lane.Directory, AccountID: id, EmployeeID: in.EmployeeID}
	since := workflow.Now(ctx)
	type offboardStep struct {
		name, activity string
		heartbeat      bool
	}
	steps := []offboardStep{
		{"disable", ActDisableAccount, false},
		{"revoke sessions", ActRevokeSessions, false},
		{"remove access", ActRemoveAllAccess, true},
	}
	if in.Policy.RetireDevices {
		steps = append(steps, offboardStep{"retire devices", ActRetireDevices, true})
	}
	for _, s := range steps {
		ok, err := l.do(ctx, lane, s.name, directoryOptions(s.heartbeat), s.activity, ain)
		if err != nil {
			return
		}
		if ok && s.activity == ActRemoveAllAccess {
			l.accessDone[lane.Directory] = true
		}
	}
	var v VerifyOutput
	ain.Since = since
	ok, err := l.step(ctx, lane, "verify", directoryOptions(false), ActVerifyDisabled, ain, &v)
	if err != nil || !ok {
		return
	}
	lane.Verified = v.Disabled && v.SessionsRevoked
	outcome := fmt.Sprintf("disabled=%t sessions_revoked=%t", v.Disabled, v.SessionsRevoked)
	if v.Evidence != "" {
		outcome += " (" + v.Evidence + ")"
	}
	lane.Actions = append(lane.Actions, Action{Step: "verify", Outcome: outcome})
}
