package workflows

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// historyKeep is how many ChangeRecords the state keeps (newest last).
const historyKeep = 20

// EmployeeWorkflow is the one long-lived workflow per employee. It accepts HR
// records (signal hr-record or update apply-hr-record), classifies each
// against its state, queues the lifecycle work (future-dated items wait on
// durable timers) and runs it as child workflows, one at a time, in HR order.
func EmployeeWorkflow(ctx workflow.Context, in contract.EmployeeInput) error {
	if in.EmployeeID == "" {
		return temporal.NewNonRetryableApplicationError("employee id is required", string(domain.ErrBadInput), nil)
	}
	e := &employee{policy: in.Policy}
	if in.State != nil {
		e.st = *in.State
	} else {
		e.st = contract.EmployeeState{EmployeeID: in.EmployeeID, Status: domain.StatusNew}
	}
	if e.st.Accounts == nil {
		e.st.Accounts = map[string]string{}
	}
	logger := workflow.GetLogger(ctx)

	if err := workflow.SetQueryHandler(ctx, contract.QueryState, func() (contract.EmployeeState, error) { return e.st, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, contract.UpdateApplyHRRecord,
		func(ctx workflow.Context, r contract.HRRecordInput) (contract.ApplyHRRecordResult, error) {
			return e.accept(ctx, r), nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, r contract.HRRecordInput) error {
			return e.validate(r)
		}},
	); err != nil {
		return err
	}
	signals := workflow.GetSignalChannel(ctx, contract.SignalHRRecord)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var r contract.HRRecordInput
			if !signals.Receive(ctx, &r) {
				return
			}
			e.acceptSignal(ctx, r)
		}
	})

	e.upsert(ctx, domain.NoEvent)
	for {
		if e.shouldContinueAsNew(ctx) {
			return e.continueAsNew(ctx, signals)
		}
		e.leaverFirst(ctx, workflow.Now(ctx))
		idx, wait := nextDue(e.st.Pending, workflow.Now(ctx))
		if idx >= 0 {
			item := e.st.Pending[idx]
			e.st.Pending = append(e.st.Pending[:idx:idx], e.st.Pending[idx+1:]...)
			e.run(ctx, item)
			continue
		}
		seen := e.version
		changed := func() bool { return e.version != seen }
		if wait <= 0 {
			if err := workflow.Await(ctx, changed); err != nil {
				return err
			}
			continue
		}
		// A durable timer for the next future-dated item, cancelled when a
		// new record arrives first (it may cancel or move that item).
		logger.Debug("waiting for the next due item", "employee_id", e.st.EmployeeID, "wait", wait)
		tctx, cancel := workflow.WithCancel(ctx)
		timer := workflow.NewTimer(tctx, wait)
		err := workflow.Await(ctx, func() bool { return changed() || timer.IsReady() })
		cancel()
		if err != nil {
			return err
		}
	}
}

type employee struct {
	st      contract.EmployeeState
	policy  contract.Policy
	version int // bumps on every accepted record, wakes the main loop
}

func (e *employee) validate(in contract.HRRecordInput) error {
	if in.Record.EmployeeID != e.st.EmployeeID {
		return fmt.Errorf("record is for employee %q, this workflow is %q", in.Record.EmployeeID, e.st.EmployeeID)
	}
	if e.st.Login != "" || e.policy.Login != nil || (in.Policy != nil && in.Policy.Login != nil) {
		// jml allocates (or allocated) the work email: HR may send none.
		return in.Record.ValidateAllowingNoEmail("record")
	}
	return in.Record.Validate("record")
}

func (e *employee) acceptSignal(ctx workflow.Context, in contract.HRRecordInput) {
	if err := e.validate(in); err != nil {
		// A signal has no caller to answer; the intake validates before
		// signalling, so this is a bug upstream: keep the reason, drop it.
		workflow.GetLogger(ctx).Warn("HR record rejected", "employee_id", e.st.EmployeeID, "error", err.Error())
		e.st.Received++
		return
	}
	e.accept(ctx, in)
}

// maxDeliveries is how many delivery ids are remembered (far more than one
// employee's records within a signature's validity window).
const maxDeliveries = 32

// accept classifies a record and queues the work. It runs in update and
// signal handlers, so it never blocks.
func (e *employee) accept(ctx workflow.Context, in contract.HRRecordInput) contract.ApplyHRRecordResult {
	now := workflow.Now(ctx)
	if in.Policy != nil {
		e.policy = *in.Policy
	}
	if in.DeliveryID != "" {
		if slices.Contains(e.st.Deliveries, in.DeliveryID) {
			return contract.ApplyHRRecordResult{Classification: domain.ClassNoOp, Reason: string(domain.ReasonReplayed)}
		}
		e.st.Deliveries = append(e.st.Deliveries, in.DeliveryID)
		if n := len(e.st.Deliveries); n > maxDeliveries {
			e.st.Deliveries = slices.Clone(e.st.Deliveries[n-maxDeliveries:])
		}
	}
	r := in.Record
	if r.Email == "" && e.st.Login != "" {
		r.Email = e.st.Login // HR still has none: the one jml allocated
	}
	e.st.Received++
	class, reason := Classify(&e.st, r)
	res := contract.ApplyHRRecordResult{Classification: class, Reason: string(reason)}
	if reason == domain.ReasonStale {
		return res // keep the newer record
	}
	prev := e.st.Record
	queue := func(event domain.Event, due time.Time) {
		e.st.Seq++
		due = dueAfter(due, now)
		e.st.Pending = append(e.st.Pending, contract.WorkItem{Seq: e.st.Seq, Event: event, DueAt: due, Record: r, AcceptedAt: now, Hold: in.Hold})
		res.Seq, res.DueAt = e.st.Seq, due
	}
	switch class {
	case domain.ClassJoin, domain.ClassRehire:
		e.st.Terminated = false
		ev := domain.EventJoiner
		if class == domain.ClassRehire {
			ev = domain.EventRehire
		}
		queue(ev, e.provisionAt(r))
		if !res.DueAt.IsZero() {
			e.st.Status = domain.StatusPendingStart
		}
	case domain.ClassLeave:
		e.st.Terminated = true
		at := r.TerminationAt()
		e.st.Pending = dropPending(e.st.Pending, func(w contract.WorkItem) bool {
			// A start that would come after the termination never happens.
			return w.Event == domain.EventLeaver || (w.Event != domain.EventMover && !w.DueAt.IsZero() && !w.DueAt.Before(at))
		})
		queue(domain.EventLeaver, at)
		if !res.DueAt.IsZero() {
			e.st.Status = domain.StatusTerminationScheduled
		}
	case domain.ClassTerminationCancelled:
		e.st.Terminated = false
		e.st.Pending = dropPending(e.st.Pending, func(w contract.WorkItem) bool { return w.Event == domain.EventLeaver })
		if e.st.Status == domain.StatusTerminationScheduled {
			e.st.Status = domain.StatusActive
		}
		if prev != nil && relevantChanges(*prev, r) != "" {
			queue(domain.EventMover, time.Time{})
		}
	case domain.ClassMove:
		if !e.pendingStart(ctx, r, now, &res) {
			queue(domain.EventMover, time.Time{})
		}
	case domain.ClassNoOp:
		e.pendingStart(ctx, r, now, &res)
	}
	e.st.Record = &r
	e.version++
	e.upsert(ctx, domain.NoEvent)
	return res
}

// changePendingStart guards (workflow.GetVersion) the behaviour that makes
// a pending start follow the HR record: a queued joiner takes the new record
// and start date, a queued activation moves to the new start date, and no
// activation is queued for an employee terminated while their joiner ran.
// Runs that took these decisions before it keep the old commands on replay.
const changePendingStart = "pending-start-follows-hr"

func pendingStartV1(ctx workflow.Context) bool {
	return workflow.GetVersion(ctx, changePendingStart, workflow.DefaultVersion, 1) >= 1
}

// pendingStart folds a record for an employee who has not started yet into
// the queued start. A queued joiner (or rehire) takes the record, so it
// provisions the latest role, and its due time follows the new start date,
// earlier or later. A queued activation (accounts created disabled during
// the lead time) moves to the new start date. It reports whether a queued
// joiner absorbed the record: then no mover is needed.
func (e *employee) pendingStart(ctx workflow.Context, r domain.HRRecord, now time.Time, res *contract.ApplyHRRecordResult) bool {
	if r.Status == domain.HRTerminated || e.st.Terminated {
		return false
	}
	if i := slices.IndexFunc(e.st.Pending, func(w contract.WorkItem) bool { return w.Event == domain.EventJoiner || w.Event == domain.EventRehire }); i >= 0 {
		w := &e.st.Pending[i]
		moved := !ActivateAt(w.Record).Equal(ActivateAt(r))
		if (!moved && res.Classification == domain.ClassNoOp) || !pendingStartV1(ctx) {
			return false
		}
		w.Record, w.DueAt = r, dueAfter(e.provisionAt(r), now)
		res.Classification, res.Seq, res.DueAt = domain.ClassJoin, w.Seq, w.DueAt
		if w.Event == domain.EventRehire {
			res.Classification = domain.ClassRehire
		}
		res.Reason = "not started yet: the queued " + string(w.Event) + " takes this record"
		if moved {
			res.Reason += " and the new start date"
		}
		return true
	}
	if i := pendingIndex(e.st.Pending, domain.EventActivate); i >= 0 {
		w := &e.st.Pending[i]
		if ActivateAt(w.Record).Equal(ActivateAt(r)) || !pendingStartV1(ctx) {
			return false
		}
		w.Record, w.DueAt = r, dueAfter(ActivateAt(r), now)
		if res.Classification == domain.ClassNoOp {
			res.Seq, res.DueAt = w.Seq, w.DueAt
			res.Reason = "start date moved: activation rescheduled"
		} else {
			res.Reason += "; start date moved: activation rescheduled"
		}
	}
	return false
}

// dueAfter is a work item's due time: t, or zero (now) when t is not after
// now.
func dueAfter(t, now time.Time) time.Time {
	if !t.After(now) {
		return time.Time{}
	}
	return t
}

// provisionAt is when a joiner's accounts are created: the lead time before
// the start date (now when the start date is unset or close).
func (e *employee) provisionAt(r domain.HRRecord) time.Time {
	start := ActivateAt(r)
	if start.IsZero() {
		return time.Time{}
	}
	return start.Add(-e.policy.JoinerLeadTime)
}

// ActivateAt is when a joiner's accounts are enabled: the start of the start
// date in the employee's time zone ("enabled on it"), so they can sign in
// before their first morning (domain.HRRecord.StartAt is 09:00 that day). Zero
// when there is no start date.
func ActivateAt(r domain.HRRecord) time.Time {
	s := r.StartAt()
	if s.IsZero() {
		return s
	}
	return time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, s.Location())
}

func pendingIndex(items []contract.WorkItem, event domain.Event) int {
	for i, w := range items {
		if w.Event == event {
			return i
		}
	}
	return -1
}

func dropPending(items []contract.WorkItem, drop func(contract.WorkItem) bool) []contract.WorkItem {
	out := items[:0:0]
	for _, w := range items {
		if !drop(w) {
			out = append(out, w)
		}
	}
	return out
}

// nextDue picks the item to run now: the earliest due, ties in HR (seq)
// order. Otherwise it returns -1 and how long until the next one is due
// (0 = nothing pending).
func nextDue(items []contract.WorkItem, now time.Time) (int, time.Duration) {
	best := -1
	for i, w := range items {
		if best < 0 || w.DueAt.Before(items[best].DueAt) || (w.DueAt.Equal(items[best].DueAt) && w.Seq < items[best].Seq) {
			best = i
		}
	}
	if best < 0 {
		return -1, 0
	}
	if d := items[best].DueAt.Sub(now); !items[best].DueAt.IsZero() && d > 0 {
		return -1, d
	}
	return best, 0
}

// run executes one work item as a child workflow and folds the result in.
func (e *employee) run(ctx workflow.Context, item contract.WorkItem) {
	if item.Event == domain.EventManager {
		e.retryManager(ctx, item)
		return
	}
	now := workflow.Now(ctx)
	item.WorkflowID = contract.LifecycleWorkflowID(e.st.EmployeeID, item.Event, item.Seq)
	e.st.Current = &item
	prevStatus := e.st.Status
	if item.Event == domain.EventLeaver {
		e.st.Status = domain.StatusOffboarding
	}
	e.upsert(ctx, item.Event)

	var res contract.LifecycleResult
	var err error
	preempted := false
	switch item.Event {
	case domain.EventJoiner, domain.EventRehire, domain.EventActivate:
		res, preempted, err = e.runJoiner(ctx, item, now)
	case domain.EventMover:
		res, preempted, err = e.runMover(ctx, item)
	case domain.EventLeaver:
		res, err = e.runLeaver(ctx, item, now)
	}
	for _, k := range workflow.DeterministicKeys(res.Accounts) {
		e.st.Accounts[k] = res.Accounts[k]
	}
	ch := contract.ChangeRecord{
		Seq: item.Seq, Event: item.Event, WorkflowID: item.WorkflowID, StartedAt: now,
		CompletedAt: workflow.Now(ctx), SLABreached: res.SLABreached, Directories: res.Directories, Changes: res.Changes,
	}
	if preempted {
		e.preempted(item, res)
		ch.Preempted, ch.Directories = true, res.Directories
	}
	if err != nil {
		ch.Error = err.Error()
		if preempted {
			ch.Error = "pre-empted: the termination fell due; the leaver runs now"
		}
		var canceled *temporal.CanceledError
		if !errors.As(err, &canceled) {
			alertSecurity(ctx, e.policy.SecurityChannel, e.st.EmployeeID, fmt.Sprintf("jml: %s for employee %s failed: %v (workflow %s)", item.Event, e.st.EmployeeID, err, item.WorkflowID))
		}
		if e.st.Status == domain.StatusOffboarding {
			e.st.Status = prevStatus
		}
	}
	e.st.Current = nil
	e.record(ch)
	e.upsert(ctx, item.Event)
}

// record keeps what one work item did (the last few, newest last).
func (e *employee) record(ch contract.ChangeRecord) {
	e.st.LastChange = &ch
	e.st.History = append(e.st.History, ch)
	if len(e.st.History) > historyKeep {
		e.st.History = append([]contract.ChangeRecord(nil), e.st.History[len(e.st.History)-historyKeep:]...)
	}
}

// child starts a lifecycle child for item and waits for its result.
func child[In any](ctx workflow.Context, item contract.WorkItem, name string, effective time.Time, in In) (contract.LifecycleResult, error) {
	var res contract.LifecycleResult
	err := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, childOptions(item, effective)), name, in).Get(ctx, &res)
	return res, err
}

// childOptions are a lifecycle child's options. The static summary and
// details are what the Temporal UI shows for the run: the employee id, the
// event and its effective time, never a name or an email (they are not
// encrypted).
func childOptions(item contract.WorkItem, effective time.Time) workflow.ChildWorkflowOptions {
	details := fmt.Sprintf("employee %s\nevent %s\nseq %d", item.Record.EmployeeID, item.Event, item.Seq)
	when := "now"
	if !effective.IsZero() {
		when = effective.UTC().Format(time.RFC3339)
		details += "\neffective " + when
	}
	return workflow.ChildWorkflowOptions{
		WorkflowID:    item.WorkflowID,
		StaticSummary: fmt.Sprintf("%s %s · effective %s", item.Event, item.Record.EmployeeID, when),
		StaticDetails: details,
		// If an operator terminates the Employee workflow, a running
		// offboarding still finishes.
		ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
	}
}

// runJoiner runs a joiner, a rehire or a start-date activation, and queues
// the activation when the accounts were created before the start date.
func (e *employee) runJoiner(ctx workflow.Context, item contract.WorkItem, now time.Time) (contract.LifecycleResult, bool, error) {
	start := ActivateAt(item.Record)
	jin := contract.JoinerInput{
		EmployeeID: e.st.EmployeeID, Record: item.Record, Policy: e.policy,
		Accounts: e.st.Accounts, Granted: e.st.Access, // a rehire's was emptied by the leaver
		Enable:       start.IsZero() || !now.Before(start),
		ActivateOnly: item.Event == domain.EventActivate,
		Login:        e.st.Login,
	}
	wf := contract.JoinerWorkflowName
	if item.Event == domain.EventRehire {
		wf = contract.RehireWorkflowName
	}
	var res contract.LifecycleResult
	preempted, err := e.execPreemptible(ctx, childOptions(item, start), wf, jin, &res)
	if res.Login != "" && e.st.Login == "" {
		// Kept even when the run failed later: a rerun reuses it.
		e.st.Login = res.Login
		item.Record.Email = res.Login
		if e.st.Record != nil && e.st.Record.Email == "" {
			rec := *e.st.Record
			rec.Email = res.Login
			e.st.Record = &rec
		}
	}
	if err != nil {
		return res, preempted, err
	}
	if item.Event != domain.EventActivate {
		e.st.Access = res.Granted
		e.st.Applied = &item.Record
	}
	e.followManager(workflow.Now(ctx), item.Record.ManagerEmployeeID, res)
	switch {
	case e.st.Terminated && pendingStartV1(ctx):
		// Terminated while the joiner ran: never enable; the queued leaver
		// runs next.
	case jin.Enable:
		if e.st.Status != domain.StatusTerminationScheduled {
			e.st.Status = domain.StatusActive
		}
	default:
		actRec := item.Record
		if e.st.Record != nil && pendingStartV1(ctx) {
			// The start date may have moved while the joiner ran.
			actRec = *e.st.Record
			start = ActivateAt(actRec)
		}
		e.st.Status = domain.StatusPendingStart
		e.st.Seq++
		e.st.Pending = append(e.st.Pending, contract.WorkItem{Seq: e.st.Seq, Event: domain.EventActivate, DueAt: start, Record: actRec, AcceptedAt: now})
		e.version++
	}
	return res, false, nil
}

// runMover applies a role change against the record last applied.
func (e *employee) runMover(ctx workflow.Context, item contract.WorkItem) (contract.LifecycleResult, bool, error) {
	old := item.Record
	if e.st.Applied != nil {
		old = *e.st.Applied
	}
	min := contract.MoverInput{EmployeeID: e.st.EmployeeID, Old: old, New: item.Record, Policy: e.policy, Accounts: e.st.Accounts, Granted: e.st.Access}
	var res contract.LifecycleResult
	preempted, err := e.execPreemptible(ctx, childOptions(item, time.Time{}), contract.MoverWorkflowName, min, &res)
	if err == nil {
		e.st.Access = res.Granted
		e.st.Applied = &item.Record
		e.followManager(workflow.Now(ctx), item.Record.ManagerEmployeeID, res)
	}
	return res, preempted, err
}

// runLeaver offboards the employee from the termination's effective time.
func (e *employee) runLeaver(ctx workflow.Context, item contract.WorkItem, now time.Time) (contract.LifecycleResult, error) {
	lin := contract.LeaverInput{EmployeeID: e.st.EmployeeID, Record: item.Record, EffectiveAt: item.Record.TerminationAt(), Policy: e.policy, Accounts: e.st.Accounts, Granted: e.st.Access,
		Preempted: e.st.Preempted, Held: item.Hold}
	e.st.Preempted = ""
	if lin.EffectiveAt.IsZero() {
		// No effective time from HR: it took effect when jml accepted it,
		// however long anything before it took.
		lin.EffectiveAt = item.AcceptedAt
	}
	if lin.EffectiveAt.IsZero() {
		lin.EffectiveAt = now
	}
	res, err := child(ctx, item, contract.LeaverWorkflowName, lin.EffectiveAt, lin)
	if err == nil {
		e.st.Access = res.Granted // nothing the catalog granted remains
		e.st.Applied = &item.Record
		e.st.ManagerWait = nil
		e.st.Status = domain.StatusTerminated
		e.st.SLABreached = e.st.SLABreached || res.SLABreached
	}
	return res, err
}

// upsert writes the search attributes (no PII: ids and status words only).
func (e *employee) upsert(ctx workflow.Context, event domain.Event) {
	ups := []temporal.SearchAttributeUpdate{
		contract.EmployeeIDKey.ValueSet(e.st.EmployeeID),
		contract.LifecycleStatusKey.ValueSet(string(e.st.Status)),
		contract.SLABreachedKey.ValueSet(e.st.SLABreached),
	}
	if event != domain.NoEvent {
		ups = append(ups, contract.LifecycleEventKey.ValueSet(string(event)))
	}
	if e.st.Record != nil && e.st.Record.Department != "" {
		ups = append(ups, contract.DepartmentKey.ValueSet(e.st.Record.Department))
	}
	if i := pendingIndex(e.st.Pending, domain.EventLeaver); i >= 0 && !e.st.Pending[i].DueAt.IsZero() {
		ups = append(ups, contract.EffectiveAtKey.ValueSet(e.st.Pending[i].DueAt))
	} else if e.st.Current != nil && e.st.Current.Event == domain.EventLeaver {
		ups = append(ups, contract.EffectiveAtKey.ValueSet(e.st.Current.Record.TerminationAt()))
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, ups...); err != nil {
		workflow.GetLogger(ctx).Warn("upsert search attributes failed", "employee_id", e.st.EmployeeID, "error", err.Error())
	}
}

func (e *employee) shouldContinueAsNew(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	limit := e.policy.HistoryThreshold
	if limit <= 0 {
		limit = contract.DefaultHistoryThreshold
	}
	return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() > limit
}

// continueAsNew waits for running handlers, drains signals already
// delivered (so none is lost) and starts a new run with the same state.
func (e *employee) continueAsNew(ctx workflow.Context, signals workflow.ReceiveChannel) error {
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	for {
		var r contract.HRRecordInput
		if !signals.ReceiveAsync(&r) {
			break
		}
		e.acceptSignal(ctx, r)
	}
	e.st.Runs++
	return workflow.NewContinueAsNewError(ctx, contract.EmployeeWorkflowName, contract.EmployeeInput{EmployeeID: e.st.EmployeeID, Policy: e.policy, State: &e.st})
}
