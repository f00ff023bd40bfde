package employees

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// GuardedWorkflowID is the workflow id a held termination reports: it went
// to the guard, not (yet) to its Employee workflow.
const GuardedWorkflowID = contract.GuardWorkflowID

// DefaultGuardTimeout bounds one ask of the guard (inside the webhook's
// 15-second batch deadline).
const DefaultGuardTimeout = 10 * time.Second

// Guard is the seam of the mass-termination guard around every delivery
// (import and webhook): a new termination is delivered only once the
// TerminationGuard workflow admits it; past the limits it is held there.
type Guard struct {
	Client    client.Client
	TaskQueue string
	Policy    contract.GuardPolicy
	Timeout   time.Duration // default DefaultGuardTimeout
	// Unavailable, when set, hears why the guard could not answer (the
	// caller logs it: the run fell back to its per-run cap).
	Unavailable func(employeeID string, err error)

	once sync.Once
	sem  chan struct{}
}

// maxInFlightAsks stays under Temporal's limit of in-flight updates per
// workflow (10 by default): past it the server refuses the update, which a
// batch of 32 concurrent deliveries reached at once.
const maxInFlightAsks = 8

// Deliver is the delivery the guard wraps (Sink.Deliver).
type Deliver func(ctx context.Context, rec domain.HRRecord, deliveryID string) (string, error)

// GuardRun is one run (an import file, a webhook batch): its terminations
// are counted together against the per-run limit.
type GuardRun struct {
	g         *Guard
	id        string
	source    string
	requester string
	urgent    []string

	mu       sync.Mutex
	limit    int // the guard's last per-run limit; -1 unknown
	fallback int // delivered while the guard could not be reached
	held     map[string]string
	queue    []*pendingAsk
	flushing bool
}

// NewRun starts a run. requester is the uploader's employee id when known
// (they cannot approve its holds); urgent lists employee ids never held.
func (g *Guard) NewRun(source, requester string, urgent []string) *GuardRun {
	return g.RunWithID(uuid.NewString(), source, requester, urgent)
}

// RunWithID is NewRun for a run with an id of its own (an HR batch whose
// chunks are delivered apart count as one run).
func (g *Guard) RunWithID(runID, source, requester string, urgent []string) *GuardRun {
	return &GuardRun{g: g, id: runID, source: source, requester: requester, urgent: urgent, limit: -1, held: map[string]string{}}
}

// Held is how many of the run's terminations the guard holds, and in
// which holds.
func (r *GuardRun) Held() (n int, holds []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, h := range r.held {
		if !slices.Contains(holds, h) {
			holds = append(holds, h)
		}
	}
	slices.Sort(holds)
	return len(r.held), holds
}

// Deliver sends rec through deliver unless it is a new termination the
// guard holds. Not a termination, urgent, or the employee already
// terminated (or offboarding): delivered at once. A held termination
// answers GuardedWorkflowID and no error (it is not lost: the guard keeps
// it, and delivers it on approval).
//
// The guard down (the ask fails or times out) never stops a normal day's
// leavers: the run delivers up to its per-run limit (the guard's last
// answer, else the count form of max_terminations), and past it answers an
// error, so the record is reported "retry later", never applied unguarded.
func (r *GuardRun) Deliver(ctx context.Context, deliver Deliver, rec domain.HRRecord, deliveryID string) (string, error) {
	if !r.Guards(rec) {
		return deliver(ctx, rec, deliveryID)
	}
	if done, err := r.alreadyTerminated(ctx, rec.EmployeeID); err == nil && done {
		return deliver(ctx, rec, deliveryID)
	}
	res, runLimit, err := r.ask(ctx, rec, deliveryID)
	if err != nil {
		if r.g.Unavailable != nil {
			r.g.Unavailable(rec.EmployeeID, err)
		}
		r.mu.Lock()
		limit := r.limit
		if limit < 0 && r.g.Policy.PerRun.Percent == 0 {
			limit = r.g.Policy.PerRun.Count
		}
		ok := r.fallback < limit
		if ok {
			r.fallback++
		}
		r.mu.Unlock()
		if !ok {
			return "", fmt.Errorf("termination guard unavailable (%v) and this run is at its limit: not delivered", err)
		}
		return deliver(ctx, rec, deliveryID)
	}
	r.mu.Lock()
	r.limit = runLimit
	if !res.Admitted {
		r.held[rec.EmployeeID] = res.HoldID
	}
	r.mu.Unlock()
	if !res.Admitted {
		return GuardedWorkflowID, nil
	}
	return deliver(ctx, rec, deliveryID)
}

// Guards reports whether Deliver asks the guard about rec (a termination
// that is not urgent, on an enabled guard): such a record must not bypass
// Deliver, e.g. in a large batch accepted in bulk.
func (r *GuardRun) Guards(rec domain.HRRecord) bool {
	return r != nil && r.g != nil && r.g.Policy.Enabled && rec.Status == domain.HRTerminated && !rec.Urgent && !slices.Contains(r.urgent, rec.EmployeeID)
}

// alreadyTerminated: the Employee workflow's status (a search attribute,
// no worker needed) says the termination is not new.
func (r *GuardRun) alreadyTerminated(ctx context.Context, employeeID string) (bool, error) {
	d, err := r.g.Client.DescribeWorkflow(ctx, contract.EmployeeWorkflowID(employeeID), "")
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if d == nil {
		return false, nil
	}
	st, _ := d.TypedSearchAttributes.GetKeyword(contract.LifecycleStatusKey)
	return st == string(domain.StatusTerminated) || st == string(domain.StatusOffboarding) || st == string(domain.StatusTerminationScheduled), nil
}

type pendingAsk struct {
	item contract.AdmitItem
	done chan askResult
}

type askResult struct {
	adm   contract.Admission
	limit int
	err   error
}

// coalesceWindow gathers the terminations arriving together (a batch
// delivered concurrently) into one update: 100 terminations are a few
// updates, not 100, and the run's order of asks does not matter.
const coalesceWindow = 5 * time.Millisecond

// maxAskItems bounds one update's payload.
const maxAskItems = 200

// ask waits for its termination's answer from the next coalesced update.
func (r *GuardRun) ask(ctx context.Context, rec domain.HRRecord, deliveryID string) (contract.Admission, int, error) {
	p := &pendingAsk{item: contract.AdmitItem{Record: rec, DeliveryID: deliveryID}, done: make(chan askResult, 1)}
	r.mu.Lock()
	r.queue = append(r.queue, p)
	lead := !r.flushing
	r.flushing = true
	r.mu.Unlock()
	if lead {
		go r.flush()
	}
	select {
	case res := <-p.done:
		return res.adm, res.limit, res.err
	case <-ctx.Done():
		return contract.Admission{}, 0, ctx.Err()
	}
}

// flush sends the queued asks, one update at a time, until none is left.
func (r *GuardRun) flush() {
	for {
		time.Sleep(coalesceWindow)
		r.mu.Lock()
		n := min(len(r.queue), maxAskItems)
		batch := r.queue[:n:n]
		r.queue = r.queue[n:]
		if n == 0 {
			r.flushing = false
			r.mu.Unlock()
			return
		}
		r.mu.Unlock()
		items := make([]contract.AdmitItem, n)
		for i, p := range batch {
			items[i] = p.item
		}
		res, err := r.askMany(items)
		for i, p := range batch {
			out := askResult{err: err, limit: res.RunLimit}
			if err == nil && i < len(res.Results) {
				out.adm = res.Results[i]
			} else if err == nil {
				out.err = errors.New("the guard answered fewer items than asked")
			}
			p.done <- out
		}
	}
}

// askMany sends one update, retrying the server's refusals (its limit on
// in-flight updates, a busy workflow) until the timeout.
func (r *GuardRun) askMany(items []contract.AdmitItem) (contract.AdmitTerminationResult, error) {
	t := r.g.Timeout
	if t <= 0 {
		t = DefaultGuardTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), t)
	defer cancel()
	r.g.once.Do(func() { r.g.sem = make(chan struct{}, maxInFlightAsks) })
	select {
	case r.g.sem <- struct{}{}:
	case <-ctx.Done():
		return contract.AdmitTerminationResult{}, ctx.Err()
	}
	defer func() { <-r.g.sem }()
	backoff := 20 * time.Millisecond
	for {
		res, err := r.askOnce(ctx, items)
		var re *serviceerror.ResourceExhausted
		var un *serviceerror.Unavailable
		if err == nil || !(errors.As(err, &re) || errors.As(err, &un)) {
			return res, err
		}
		select {
		case <-time.After(backoff):
			backoff = min(2*backoff, 500*time.Millisecond)
		case <-ctx.Done():
			return res, err
		}
	}
}

func (r *GuardRun) askOnce(ctx context.Context, items []contract.AdmitItem) (contract.AdmitTerminationResult, error) {
	p := r.g.Policy
	start := r.g.Client.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID: contract.GuardWorkflowID, TaskQueue: r.g.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary:            "mass-termination guard",
	}, contract.GuardWorkflowName, contract.GuardInput{Policy: p})
	h, err := r.g.Client.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateName: contract.UpdateAdmitTermination, WaitForStage: client.WorkflowUpdateStageCompleted,
			Args: []any{contract.AdmitTerminationInput{RunID: r.id, Source: r.source, Requester: r.requester, Items: items, Policy: &p}},
		},
	})
	if err != nil {
		return contract.AdmitTerminationResult{}, err
	}
	var res contract.AdmitTerminationResult
	err = h.Get(ctx, &res)
	return res, err
}

// DecideHold delivers an approve or reject of a hold (the update's
// validator refuses an unknown or decided hold: ErrHoldNotPending).
// updateID makes a replayed Slack delivery a no-op.
func (g *Guard) DecideHold(ctx context.Context, d contract.GuardDecision, updateID string) (contract.GuardDecisionResult, error) {
	h, err := g.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: contract.GuardWorkflowID, UpdateName: contract.UpdateGuardDecide, UpdateID: updateID,
		WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{d},
	})
	var nf *serviceerror.NotFound
	var app *temporal.ApplicationError
	if errors.As(err, &nf) {
		return contract.GuardDecisionResult{}, ErrHoldNotPending
	}
	if errors.As(err, &app) { // the validator's why, told to the presser
		return contract.GuardDecisionResult{}, fmt.Errorf("%w: %s", ErrHoldNotPending, app.Message())
	}
	if err != nil {
		return contract.GuardDecisionResult{}, err
	}
	var res contract.GuardDecisionResult
	if err := h.Get(ctx, &res); err != nil {
		if errors.As(err, &app) {
			return res, fmt.Errorf("%w: %s", ErrHoldNotPending, app.Message())
		}
		return res, fmt.Errorf("%w: %v", ErrHoldNotPending, err)
	}
	return res, nil
}

// ErrHoldNotPending: the hold is unknown or already decided.
var ErrHoldNotPending = errors.New("hold is not waiting for a decision")
