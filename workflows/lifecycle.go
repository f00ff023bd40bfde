package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/integrations/directory"
	"github.com/jml-dev/jml/integrations/hr"
)

// Child workflow statuses (LifecycleStatus on the child).
const (
	StatusRunning   = "running"
	StatusCompleted = "completed"
	StatusCancelled = "cancelled" // stopped part-way: a termination fell due
)

// Register registers every workflow of this package under its name.
func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(EmployeeWorkflow, workflow.RegisterOptions{Name: EmployeeWorkflowName})
	r.RegisterWorkflowWithOptions(JoinerWorkflow, workflow.RegisterOptions{Name: JoinerWorkflowName})
	r.RegisterWorkflowWithOptions(MoverWorkflow, workflow.RegisterOptions{Name: MoverWorkflowName})
	r.RegisterWorkflowWithOptions(LeaverWorkflow, workflow.RegisterOptions{Name: LeaverWorkflowName})
	r.RegisterWorkflowWithOptions(RehireWorkflow, workflow.RegisterOptions{Name: RehireWorkflowName})
	r.RegisterWorkflowWithOptions(ElevationWorkflow, workflow.RegisterOptions{Name: ElevationWorkflowName})
	r.RegisterWorkflowWithOptions(IdentityLogExportWorkflow, workflow.RegisterOptions{Name: IdentityLogExportWorkflowName})
	r.RegisterWorkflowWithOptions(KPIReportWorkflow, workflow.RegisterOptions{Name: KPIReportWorkflowName})
}

// directoryOptions: directory calls are retried with backoff (throttling
// honours the server's delay through NextRetryDelay); what is still failing
// after that, or fails permanently, blocks the lane for an operator.
func directoryOptions(heartbeat bool) workflow.ActivityOptions {
	o := workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			MaximumAttempts:        8,
			NonRetryableErrorTypes: NonRetryableErrorTypes,
		},
	}
	if heartbeat {
		o.HeartbeatTimeout = 30 * time.Second
	}
	return o
}

// notifyOptions: a notification is worth a few tries, never a blocked lane.
func notifyOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Second,
			MaximumAttempts: 3, NonRetryableErrorTypes: NonRetryableErrorTypes,
		},
	}
}

// lifecycle is the machinery every child shares: per-lane steps that block
// on an operator's retry/skip after a permanent failure, the state query and
// the search attributes.
type lifecycle struct {
	event      string
	employeeID string
	policy     Policy
	blocked    map[string]*BlockedStep
	decided    map[string]string // lane -> retry/skip, consumed by the lane
	decisions  []DecisionRecord
	lanes      []*DirectoryResult
	// accessDone: the lane's catalog change (apply access, provision or
	// deprovision app, leaver's remove access) completed, so what the plan
	// says for it is now true.
	accessDone map[string]bool
	breached   bool
	status     string
}

func newLifecycle(ctx workflow.Context, event, employeeID string, p Policy) (*lifecycle, error) {
	l := &lifecycle{event: event, employeeID: employeeID, policy: p, blocked: map[string]*BlockedStep{}, decided: map[string]string{}, accessDone: map[string]bool{}}
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (LifecycleState, error) { return l.state(), nil }); err != nil {
		return nil, err
	}
	for _, action := range []string{UpdateRetry, UpdateSkip} {
		err := workflow.SetUpdateHandlerWithOptions(ctx, action,
			func(ctx workflow.Context, d OperatorDecision) (DecisionRecord, error) {
				b := l.blocked[d.Directory]
				if b == nil || l.decided[d.Directory] != "" {
					// The validator rejects this; it does not run on replay
					// or for a second update of the same lane in one task.
					return DecisionRecord{}, fmt.Errorf("%q is not waiting for an operator", d.Directory)
				}
				rec := DecisionRecord{Directory: d.Directory, Step: b.Step, Action: action, Operator: d.Operator, Reason: d.Reason, Error: b.Error, At: workflow.Now(ctx)}
				l.decisions = append(l.decisions, rec)
				l.decided[d.Directory] = action
				workflow.GetLogger(ctx).Info("operator decision", "EmployeeID", l.employeeID, "Lane", d.Directory, "Action", action)
				return rec, nil
			},
			workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, d OperatorDecision) error {
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
	l.upsert(ctx, StatusRunning)
	return l, nil
}

func (l *lifecycle) blockedLanes() []string {
	out := workflow.DeterministicKeys(l.blocked)
	if len(out) == 0 {
		return []string{"none"}
	}
	return out
}

func (l *lifecycle) state() LifecycleState {
	s := LifecycleState{Event: l.event, Decisions: l.decisions, SLABreached: l.breached}
	for _, k := range workflow.DeterministicKeys(l.blocked) {
		s.Blocked = append(s.Blocked, *l.blocked[k])
	}
	for _, r := range l.lanes {
		s.Directories = append(s.Directories, *r)
	}
	return s
}

func (l *lifecycle) upsert(ctx workflow.Context, status string) {
	l.status = status
	ups := []temporal.SearchAttributeUpdate{
		EmployeeIDKey.ValueSet(l.employeeID),
		LifecycleEventKey.ValueSet(l.event),
		LifecycleStatusKey.ValueSet(status),
	}
	if l.event == EventLeaver {
		ups = append(ups, SLABreachedKey.ValueSet(l.breached))
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, ups...); err != nil {
		workflow.GetLogger(ctx).Warn("upsert search attributes failed", "EmployeeID", l.employeeID, "Error", err.Error())
	}
}

// lane starts a result for one directory or app.
func (l *lifecycle) lane(name string) *DirectoryResult {
	r := &DirectoryResult{Directory: name, Result: ResultOK}
	l.lanes = append(l.lanes, r)
	return r
}

func (l *lifecycle) results() []DirectoryResult {
	out := make([]DirectoryResult, len(l.lanes))
	for i, r := range l.lanes {
		out[i] = *r
	}
	return out
}

// step runs one activity for a lane. A failure that survives the retry
// policy alerts the security channel and waits for an operator: retry runs
// it again, skip records it skipped. It returns false when the step did not
// succeed (skipped, or the workflow was cancelled: then err is set).
func (l *lifecycle) step(ctx workflow.Context, lane *DirectoryResult, step string, opts workflow.ActivityOptions, activity string, in, out any) (bool, error) {
	actx := workflow.WithActivityOptions(ctx, opts)
	for {
		err := workflow.ExecuteActivity(actx, activity, in).Get(actx, out)
		if err == nil {
			return true, nil
		}
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		msg := failureMessage(err)
		lane.Errors = append(lane.Errors, step+": "+msg)
		l.blocked[lane.Directory] = &BlockedStep{Directory: lane.Directory, Step: step, Error: msg, Since: workflow.Now(ctx)}
		l.upsert(ctx, StatusBlocked)
		l.notify(ctx, fmt.Sprintf("jml %s for employee %s is blocked: %s %s failed: %s. An operator must send the %q or %q update to workflow %s with directory %q.",
			l.event, l.employeeID, lane.Directory, step, msg, UpdateRetry, UpdateSkip, workflow.GetInfo(ctx).WorkflowExecution.ID, lane.Directory))
		if err := workflow.Await(ctx, func() bool { return l.decided[lane.Directory] != "" }); err != nil {
			return false, err
		}
		action := l.decided[lane.Directory]
		delete(l.decided, lane.Directory)
		delete(l.blocked, lane.Directory)
		if len(l.blocked) == 0 {
			l.upsert(ctx, StatusRunning)
		}
		if action == UpdateSkip {
			lane.Skipped = append(lane.Skipped, step)
			lane.Result = ResultSkipped
			return false, nil
		}
	}
}

// do runs a step whose output is a StepOutput and records its actions on
// the lane; it answers as step does.
func (l *lifecycle) do(ctx workflow.Context, lane *DirectoryResult, step string, opts workflow.ActivityOptions, activity string, in any) (bool, error) {
	var out StepOutput
	ok, err := l.step(ctx, lane, step, opts, activity, in, &out)
	if ok {
		lane.Actions = append(lane.Actions, out.Actions...)
	}
	return ok, err
}

// applyAccess applies the lane's part of the catalog diff to account id. A
// lane with nothing to change has its access done already.
func (l *lifecycle) applyAccess(ctx workflow.Context, lane *DirectoryResult, id string, changes []config.Change) {
	ch := changesFor(changes, lane.Directory)
	if len(ch) == 0 {
		l.accessDone[lane.Directory] = true
		return
	}
	if ok, _ := l.do(ctx, lane, "apply access", directoryOptions(true), ActApplyAccess,
		ApplyAccessInput{Directory: lane.Directory, AccountID: id, EmployeeID: l.employeeID, Changes: ch}); ok {
		l.accessDone[lane.Directory] = true
	}
}

// appLanes starts one lane per SCIM app that runs step (provision or
// deprovision app) for the person, and returns the lanes' work.
func (l *lifecycle) appLanes(apps []string, step, activity string, person directory.Person) []func(workflow.Context) {
	var fns []func(workflow.Context)
	for _, app := range apps {
		lane := l.lane("scim:" + app)
		fns = append(fns, func(ctx workflow.Context) {
			if ok, _ := l.do(ctx, lane, step, directoryOptions(false), activity, AppInput{App: app, Person: person}); ok {
				l.accessDone[lane.Directory] = true
			}
		})
	}
	return fns
}

// alertSecurity posts to the policy's security channel (none configured:
// nothing); a failed alert is logged, never fatal.
func alertSecurity(ctx workflow.Context, p Policy, employeeID, text string) {
	if p.SecurityChannel == "" {
		return
	}
	actx := workflow.WithActivityOptions(ctx, notifyOptions())
	if err := workflow.ExecuteActivity(actx, ActNotifyChannel, NotifyChannelInput{Channel: p.SecurityChannel, Text: text}).Get(actx, nil); err != nil {
		workflow.GetLogger(ctx).Warn("security alert not delivered", "EmployeeID", employeeID, "Error", err.Error())
	}
}

func (l *lifecycle) notify(ctx workflow.Context, text string) {
	alertSecurity(ctx, l.policy, l.employeeID, text)
}

func (l *lifecycle) notifyManager(ctx workflow.Context, managerID, text string) {
	if managerID == "" {
		return
	}
	actx := workflow.WithActivityOptions(ctx, notifyOptions())
	in := NotifyManagerInput{ManagerEmployeeID: managerID, Directories: l.policy.Directories, Text: text}
	if err := workflow.ExecuteActivity(actx, ActNotifyManager, in).Get(actx, nil); err != nil {
		workflow.GetLogger(ctx).Warn("manager notification not delivered", "EmployeeID", l.employeeID, "Error", err.Error())
	}
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

// PersonFrom builds the directory profile from an HR record.
func PersonFrom(r hr.Record) directory.Person {
	return directory.Person{
		EmployeeID: r.EmployeeID, Email: r.Email, GivenName: r.GivenName, FamilyName: r.FamilyName,
		DisplayName: r.Name(), Department: r.Department, Title: r.Title, Location: r.Location,
		CostCenter: r.CostCenter, UsageLocation: r.Country, EmploymentType: r.EmploymentType,
	}
}

// personFor is the profile jml writes: the HR record, with the policy's
// default usage location where HR has no country yet (a licence cannot be
// assigned without one, and the joiner must not wait for HR).
func personFor(r hr.Record, p Policy) directory.Person {
	out := PersonFrom(r)
	if out.UsageLocation == "" {
		out.UsageLocation = p.DefaultUsageLocation
	}
	return out
}

// AttributesOf is what the role catalog looks at.
func AttributesOf(r hr.Record) config.Attributes {
	return config.Attributes{Department: r.Department, Title: r.Title, Location: r.Location, EmploymentType: r.EmploymentType}
}

func changesFor(changes []config.Change, dir string) []config.Change {
	var out []config.Change
	for _, c := range changes {
		if c.Directory == dir {
			out = append(out, c)
		}
	}
	return out
}

// appChanges splits the SCIM app diff into configured adds and removes.
func appChanges(changes []config.Change, configured []string) (add, remove []string) {
	for _, c := range changes {
		if c.Kind != "app" {
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

func summarize(changes []config.Change) string {
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
func (l *lifecycle) plan(ctx workflow.Context, r hr.Record, granted config.Entitlements) (PlanAccessOutput, error) {
	var out PlanAccessOutput
	lane := &DirectoryResult{Directory: "catalog", Result: ResultOK}
	opts := workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Second, RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 5, NonRetryableErrorTypes: NonRetryableErrorTypes}}
	ok, err := l.step(ctx, lane, "plan access", opts, ActPlanAccess, PlanAccessInput{Attributes: AttributesOf(r), Granted: granted}, &out)
	if err == nil && !ok {
		out = PlanAccessOutput{Entitlements: granted}
	}
	return out, err
}

// account finds the account id for a lane: known, else looked up (never
// created). found=false means the directory has no such account.
func (l *lifecycle) account(ctx workflow.Context, lane *DirectoryResult, known map[string]string, r hr.Record) (string, error) {
	if id := known[lane.Directory]; id != "" {
		lane.AccountID = id
		return id, nil
	}
	var out AccountOutput
	ok, err := l.step(ctx, lane, "lookup account", directoryOptions(false), ActLookupAccount,
		LookupAccountInput{Directory: lane.Directory, EmployeeID: l.employeeID, Email: r.Email}, &out)
	if err != nil || !ok {
		return "", err
	}
	if !out.Found {
		lane.Result = ResultNoAccount
		return "", nil
	}
	lane.AccountID = out.AccountID
	return out.AccountID, nil
}

func accountsOf(lanes []*DirectoryResult) map[string]string {
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
func (l *lifecycle) granted(before, plan config.Entitlements) config.Entitlements {
	out := config.Entitlements{EligibleRoles: plan.EligibleRoles, Rules: plan.Rules}
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
			case l.laneResult(dir) == ResultNoAccount:
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

func (l *lifecycle) laneResult(name string) string {
	for _, r := range l.lanes {
		if r.Directory == name {
			return r.Result
		}
	}
	return ""
}
