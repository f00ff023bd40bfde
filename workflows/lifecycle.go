package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// lifecycle is the machinery every child shares: per-lane steps that block
// on an operator's retry/skip after a permanent failure, the state query and
// the search attributes.
type lifecycle struct {
	event      domain.Event
	employeeID string
	policy     contract.Policy
	blocked    map[string]*contract.BlockedStep
	decided    map[string]string // lane -> retry/skip, consumed by the lane
	decisions  []contract.DecisionRecord
	lanes      []*contract.DirectoryResult
	// accessDone: the lane's catalog change (apply access, provision or
	// deprovision app, leaver's remove access) completed, so what the plan
	// says for it is now true.
	accessDone map[string]bool
	breached   bool
	status     domain.Status
	// hybrid: the policy syncs Entra's users from AD and this run takes
	// the synced-user lane (synced.go, behind changeEntraSynced).
	hybrid bool
}

func newLifecycle(ctx workflow.Context, event domain.Event, employeeID string, p contract.Policy) (*lifecycle, error) {
	l := &lifecycle{event: event, employeeID: employeeID, policy: p, blocked: map[string]*contract.BlockedStep{}, decided: map[string]string{}, accessDone: map[string]bool{}}
	if err := workflow.SetQueryHandler(ctx, contract.QueryState, func() (contract.LifecycleState, error) { return l.state(), nil }); err != nil {
		return nil, err
	}
	for _, action := range []string{contract.UpdateRetry, contract.UpdateSkip} {
		err := workflow.SetUpdateHandlerWithOptions(ctx, action,
			func(ctx workflow.Context, d contract.OperatorDecision) (contract.DecisionRecord, error) {
				b := l.blocked[d.Directory]
				if b == nil || l.decided[d.Directory] != "" {
					// The validator rejects this; it does not run on replay
					// or for a second update of the same lane in one task.
					return contract.DecisionRecord{}, fmt.Errorf("%q is not waiting for an operator", d.Directory)
				}
				rec := contract.DecisionRecord{Directory: d.Directory, Step: b.Step, Action: action, Operator: d.Operator, Reason: d.Reason, Error: b.Error, At: workflow.Now(ctx)}
				l.decisions = append(l.decisions, rec)
				l.decided[d.Directory] = action
				workflow.GetLogger(ctx).Info("operator decision", "employee_id", l.employeeID, "lane", d.Directory, "action", action)
				return rec, nil
			},
			workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, d contract.OperatorDecision) error {
				if strings.TrimSpace(d.Operator) == "" {
					return errors.New("operator is required: who decides is recorded")
				}
				if l.blocked[d.Directory] == nil {
					return fmt.Errorf("%q is not waiting for an operator (blocked: %s)", d.Directory, strings.Join(l.blockedLanes(), ", "))
				}
				if l.decided[d.Directory] != "" {
					return fmt.Errorf("%q already has a decision", d.Directory)
				}
				return nil
			}},
		)
		if err != nil {
			return nil, err
		}
	}
	l.hybrid = hybridVersion(ctx, p)
	l.upsert(ctx, domain.StatusRunning)
	return l, nil
}

func (l *lifecycle) blockedLanes() []string {
	out := workflow.DeterministicKeys(l.blocked)
	if len(out) == 0 {
		return []string{"none"}
	}
	return out
}

func (l *lifecycle) state() contract.LifecycleState {
	s := contract.LifecycleState{Event: l.event, Decisions: l.decisions, SLABreached: l.breached}
	for _, k := range workflow.DeterministicKeys(l.blocked) {
		s.Blocked = append(s.Blocked, *l.blocked[k])
	}
	for _, r := range l.lanes {
		s.Directories = append(s.Directories, *r)
	}
	return s
}

func (l *lifecycle) upsert(ctx workflow.Context, status domain.Status) {
	l.status = status
	ups := []temporal.SearchAttributeUpdate{
		contract.EmployeeIDKey.ValueSet(l.employeeID),
		contract.LifecycleEventKey.ValueSet(string(l.event)),
		contract.LifecycleStatusKey.ValueSet(string(status)),
	}
	if l.event == domain.EventLeaver {
		ups = append(ups, contract.SLABreachedKey.ValueSet(l.breached))
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, ups...); err != nil {
		workflow.GetLogger(ctx).Warn("upsert search attributes failed", "employee_id", l.employeeID, "error", err.Error())
	}
}

// lane starts a result for one directory or app.
func (l *lifecycle) lane(name string) *contract.DirectoryResult {
	r := &contract.DirectoryResult{Directory: name, Result: domain.ResultOK}
	l.lanes = append(l.lanes, r)
	return r
}

func (l *lifecycle) results() []contract.DirectoryResult {
	out := make([]contract.DirectoryResult, len(l.lanes))
	for i, r := range l.lanes {
		out[i] = *r
	}
	return out
}

// summary is what the Temporal UI shows for one call: the step, what it
// touches (group and app names, never a person) and the directory.
func summary(step, detail, dir string) string {
	if detail != "" {
		step += " " + detail
	}
	if len(step) > 160 {
		step = step[:157] + "..."
	}
	return step + " · " + dir
}

// step runs one activity for a lane. A failure that survives the retry
// policy alerts the security channel and waits for an operator: retry runs
// it again, skip records it skipped. ok is false when the step did not
// succeed (skipped, or the workflow was cancelled: then err is set).
func step[In, Out any](ctx workflow.Context, l *lifecycle, lane *contract.DirectoryResult, name, detail string, act contract.Activity[In, Out], in In) (out Out, ok bool, err error) {
	for {
		out, err := act.Execute(ctx, summary(name, detail, lane.Directory), in)
		if err == nil {
			return out, true, nil
		}
		if ctx.Err() != nil {
			return out, false, ctx.Err()
		}
		action, err := l.waitForOperator(ctx, lane, name, failureMessage(err))
		if err != nil {
			return out, false, err
		}
		if action == contract.UpdateSkip {
			var zero Out
			return zero, false, nil
		}
	}
}

// waitForOperator blocks the lane on a failed step: recorded, alerted, and
// waiting for an operator's retry or skip (a skip marks the lane skipped).
func (l *lifecycle) waitForOperator(ctx workflow.Context, lane *contract.DirectoryResult, name, msg string) (string, error) {
	lane.Errors = append(lane.Errors, name+": "+msg)
	l.blocked[lane.Directory] = &contract.BlockedStep{Directory: lane.Directory, Step: name, Error: msg, Since: workflow.Now(ctx)}
	countLaneBlocked(ctx, l.event, lane.Directory)
	l.upsert(ctx, domain.StatusBlocked)
	l.notify(ctx, fmt.Sprintf("jml %s for employee %s is blocked: %s %s failed: %s. An operator must send the %q or %q update to workflow %s with directory %q.",
		l.event, l.employeeID, lane.Directory, name, msg, contract.UpdateRetry, contract.UpdateSkip, workflow.GetInfo(ctx).WorkflowExecution.ID, lane.Directory))
	if err := workflow.Await(ctx, func() bool { return l.decided[lane.Directory] != "" }); err != nil {
		return "", err
	}
	action := l.decided[lane.Directory]
	delete(l.decided, lane.Directory)
	delete(l.blocked, lane.Directory)
	if len(l.blocked) == 0 {
		l.upsert(ctx, domain.StatusRunning)
	}
	if action == contract.UpdateSkip {
		lane.Skipped = append(lane.Skipped, name)
		lane.Result = domain.ResultSkipped
	}
	return action, nil
}

// do runs a step whose output is a StepOutput and records its actions on
// the lane; it answers as step does.
func do[In any](ctx workflow.Context, l *lifecycle, lane *contract.DirectoryResult, name string, act contract.Activity[In, contract.StepOutput], in In) (bool, error) {
	out, ok, err := step(ctx, l, lane, name, "", act, in)
	if ok {
		lane.Actions = append(lane.Actions, out.Actions...)
	}
	return ok, err
}

// applyAccess applies the lane's part of the catalog diff to account id. A
// lane with nothing to change has its access done already.
func (l *lifecycle) applyAccess(ctx workflow.Context, lane *contract.DirectoryResult, id string, changes []domain.Change) {
	ch := changesFor(changes, lane.Directory)
	if len(ch) == 0 {
		l.accessDone[lane.Directory] = true
		return
	}
	out, ok, _ := step(ctx, l, lane, "apply access", changeWords(ch), contract.ApplyAccess,
		contract.ApplyAccessInput{Directory: lane.Directory, AccountID: id, EmployeeID: l.employeeID, Changes: ch})
	if ok {
		lane.Actions = append(lane.Actions, out.Actions...)
		l.accessDone[lane.Directory] = true
	}
}

// changeWords names a lane's changes for its summary: "+group dept-eng, -license E3".
func changeWords(changes []domain.Change) string {
	var parts []string
	for _, c := range changes {
		for _, a := range c.Add {
			parts = append(parts, fmt.Sprintf("+%s %s", c.Kind, a))
		}
		for _, r := range c.Remove {
			parts = append(parts, fmt.Sprintf("-%s %s", c.Kind, r))
		}
	}
	return strings.Join(parts, ", ")
}

// appLanes starts one lane per SCIM app that runs step (provision or
// deprovision app) for the person, and returns the lanes' work.
func (l *lifecycle) appLanes(apps []string, name string, act contract.Activity[contract.AppInput, contract.StepOutput], person domain.Person) []func(workflow.Context) {
	var fns []func(workflow.Context)
	for _, app := range apps {
		lane := l.lane("scim:" + app)
		fns = append(fns, func(ctx workflow.Context) {
			if ok, _ := do(ctx, l, lane, name, act, contract.AppInput{App: app, Person: person}); ok {
				l.accessDone[lane.Directory] = true
			}
		})
	}
	return fns
}

// alertSecurity posts to the policy's security channel (none configured:
// nothing); a failed alert is logged, never fatal.
func alertSecurity(ctx workflow.Context, channel, employeeID, text string) {
	if channel == "" {
		return
	}
	if _, err := contract.NotifyChannel.Execute(ctx, summary("alert", "", "slack "+channel), contract.NotifyChannelInput{Channel: channel, Text: text}); err != nil {
		workflow.GetLogger(ctx).Warn("security alert not delivered", "employee_id", employeeID, "error", err.Error())
	}
}

func (l *lifecycle) notify(ctx workflow.Context, text string) {
	alertSecurity(ctx, l.policy.SecurityChannel, l.employeeID, text)
}

func (l *lifecycle) notifyManager(ctx workflow.Context, managerID, text string) {
	if managerID == "" {
		return
	}
	in := contract.NotifyManagerInput{ManagerEmployeeID: managerID, Text: text}
	if _, err := contract.NotifyManager.Execute(ctx, summary("tell manager", managerID, "slack"), in); err != nil {
		workflow.GetLogger(ctx).Warn("manager notification not delivered", "employee_id", l.employeeID, "error", err.Error())
	}
}

// personFor is the profile jml writes: the HR record, with the policy's
// default usage location where HR has no country yet (a licence cannot be
// assigned without one, and the joiner must not wait for HR).
func personFor(r domain.HRRecord, p contract.Policy) domain.Person {
	out := domain.PersonFrom(r)
	if out.UsageLocation == "" {
		out.UsageLocation = p.DefaultUsageLocation
	}
	return out
}

// failureMessage is the activity's own message and error type, without
// Temporal's wrapping.
func failureMessage(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		if app.Type() != "" {
			return app.Error() + " [" + app.Type() + "]"
		}
		return app.Error()
	}
	var to *temporal.TimeoutError
	if errors.As(err, &to) {
		return "timed out (" + to.TimeoutType().String() + ")"
	}
	return err.Error()
}

// parallel runs fns at once and waits for all of them.
func parallel(ctx workflow.Context, fns ...func(workflow.Context)) {
	wg := workflow.NewWaitGroup(ctx)
	for _, fn := range fns {
		wg.Add(1)
		workflow.Go(ctx, func(ctx workflow.Context) {
			defer wg.Done()
			fn(ctx)
		})
	}
	wg.Wait(ctx)
}

func changesFor(changes []domain.Change, dir string) []domain.Change {
	var out []domain.Change
	for _, c := range changes {
		if c.Directory == dir {
			out = append(out, c)
		}
	}
	return out
}

// appChanges splits the SCIM app diff into configured adds and removes.
func appChanges(changes []domain.Change, configured []string) (add, remove []string) {
	for _, c := range changes {
		if c.Kind != domain.KindApp {
			continue
		}
		for _, a := range c.Add {
			if slices.Contains(configured, a) {
				add = append(add, a)
			}
		}
		for _, a := range c.Remove {
			if slices.Contains(configured, a) {
				remove = append(remove, a)
			}
		}
	}
	return add, remove
}

func summarize(changes []domain.Change) string {
	var parts []string
	for _, c := range changes {
		if len(c.Add) > 0 {
			parts = append(parts, fmt.Sprintf("%s %ss +%s", c.Directory, c.Kind, strings.Join(c.Add, ", +")))
		}
		if len(c.Remove) > 0 {
			parts = append(parts, fmt.Sprintf("%s %ss -%s", c.Directory, c.Kind, strings.Join(c.Remove, ", -")))
		}
	}
	if len(parts) == 0 {
		return "no access change"
	}
	return strings.Join(parts, "; ")
}

// plan evaluates the role catalog (activity: the catalog lives in the
// worker's configuration) and diffs it against what is granted. Skipped by
// an operator, the plan is what is granted: accounts are provisioned with no
// catalog change.
func (l *lifecycle) plan(ctx workflow.Context, r domain.HRRecord, granted domain.Entitlements) (contract.PlanAccessOutput, error) {
	lane := &contract.DirectoryResult{Directory: "catalog", Result: domain.ResultOK}
	out, ok, err := step(ctx, l, lane, "plan access", "", contract.PlanAccess, contract.PlanAccessInput{Attributes: domain.AttributesOf(r), Granted: granted})
	if err == nil && !ok {
		out = contract.PlanAccessOutput{Entitlements: granted}
	}
	return out, err
}

// account finds the account id for a lane: known, else looked up (never
// created). An empty id means the directory has no such account.
func (l *lifecycle) account(ctx workflow.Context, lane *contract.DirectoryResult, known map[string]string, r domain.HRRecord) (string, error) {
	if id := known[lane.Directory]; id != "" {
		lane.AccountID = id
		return id, nil
	}
	out, ok, err := step(ctx, l, lane, "lookup account", "", contract.LookupAccount,
		contract.LookupAccountInput{Directory: lane.Directory, EmployeeID: l.employeeID, Email: r.Email})
	if err != nil || !ok {
		return "", err
	}
	if !out.Found {
		lane.Result = domain.ResultNoAccount
		return "", nil
	}
	lane.AccountID = out.AccountID
	return out.AccountID, nil
}

func accountsOf(lanes []*contract.DirectoryResult) map[string]string {
	out := map[string]string{}
	for _, r := range lanes {
		if r.AccountID != "" && !strings.HasPrefix(r.Directory, "scim:") {
			out[r.Directory] = r.AccountID
		}
	}
	return out
}

// granted is the catalog access actually held after this run, per
// directory: the plan where the lane's access step completed, nothing where
// the directory has no account, and what was held before where the step was
// skipped or never ran (so the next mover's diff retries it). Apps the
// worker does not configure are never applied; they follow the plan.
func (l *lifecycle) granted(before, plan domain.Entitlements) domain.Entitlements {
	out := domain.Entitlements{EligibleRoles: plan.EligibleRoles, Rules: plan.Rules}
	pick := func(b, p map[string][]string) map[string][]string {
		all := map[string]bool{}
		for _, k := range workflow.DeterministicKeys(b) {
			all[k] = true
		}
		for _, k := range workflow.DeterministicKeys(p) {
			all[k] = true
		}
		m := map[string][]string{}
		for _, dir := range workflow.DeterministicKeys(all) {
			var v []string
			switch {
			case l.accessDone[dir]:
				v = p[dir]
			case l.laneResult(dir) == domain.ResultNoAccount:
			default:
				v = b[dir]
			}
			if len(v) > 0 {
				m[dir] = v
			}
		}
		return m
	}
	out.Groups = pick(before.Groups, plan.Groups)
	out.Licenses = pick(before.Licenses, plan.Licenses)
	for _, a := range plan.Apps {
		if !slices.Contains(l.policy.Apps, a) || l.accessDone["scim:"+a] || slices.Contains(before.Apps, a) {
			out.Apps = append(out.Apps, a)
		}
	}
	for _, a := range before.Apps {
		if slices.Contains(plan.Apps, a) || !slices.Contains(l.policy.Apps, a) || l.accessDone["scim:"+a] {
			continue // kept above, never applied, or removed
		}
		out.Apps = append(out.Apps, a) // removal skipped: still held
	}
	return out
}

func (l *lifecycle) laneResult(name string) domain.Result {
	for _, r := range l.lanes {
		if r.Directory == name {
			return r.Result
		}
	}
	return ""
}

// laneProblems tells a reader which lanes did not complete.
func laneProblems(lanes []*contract.DirectoryResult) string {
	var bad []string
	for _, r := range lanes {
		if r.Result != domain.ResultOK {
			bad = append(bad, r.Directory+" "+string(r.Result))
		}
	}
	if len(bad) == 0 {
		return ""
	}
	return " Not done: " + strings.Join(bad, ", ") + "."
}

func (l *lifecycle) finish(ctx workflow.Context, res contract.LifecycleResult) contract.LifecycleResult {
	res.Directories = l.results()
	res.Decisions = l.decisions
	res.CompletedAt = workflow.Now(ctx)
	l.upsert(ctx, domain.StatusCompleted)
	// An operator's update accepted in the last task finishes before the
	// run completes (its caller gets an answer, not an error).
	_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
	return res
}
