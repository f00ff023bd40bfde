// Package elevation starts JIT admin elevation requests and delivers the
// decisions on them (approve, deny, revoke, extend) as workflow updates.
// `jml elevate`, the intake's /elevate slash command and its Slack buttons
// all go through it.
//
// The approver is resolved here, at request time: for the "manager" rule it
// is the manager_employee_id of the requester's last HR record, read from
// their Employee workflow (query "state"). HR is the authority for who
// reports to whom; a directory's manager attribute can be edited by the
// very admins who request elevation, and would need a reverse look-up per
// directory. A requester jml holds no HR record for is refused, and so is
// an approver: the approval DM goes to the work email of the approver's HR
// record, and the workflow accepts a Slack press only from the Slack member
// of that email.
//
// Who a Slack user is comes from HR too (SlackIdentity): their Slack email
// must be the work email of the HR record jml holds for them.
package elevation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
	"github.com/jml-dev/jml/integrations/slack"
)

// Request is one elevation request.
type Request struct {
	EmployeeID    string
	Role          string // elevation.roles[].name
	Duration      time.Duration
	Justification string
	Via           string // cli, slack
	// DeliveryID, when set, names the signed delivery that asked (a Slack
	// /elevate): the request id is derived from it, so a replay of the same
	// delivery, to any intake replica, finds the workflow it started
	// instead of starting another.
	DeliveryID string
}

// Started names the request started.
type Started struct {
	RequestID          string
	WorkflowID         string
	ApproverEmployeeID string
	Duration           time.Duration
}

// RequestError is a request that cannot be made as asked; its text is
// meant for the requester.
type RequestError struct{ Msg string }

func (e *RequestError) Error() string { return e.Msg }

func refused(format string, a ...any) error { return &RequestError{Msg: fmt.Sprintf(format, a...)} }

// Why a decision was not delivered. Match with errors.Is.
var (
	ErrNotFound   = errors.New("request not found")
	ErrNotPending = errors.New("request is not waiting for this decision")
)

// Starter starts Elevation workflows and sends decisions to them.
type Starter struct {
	Client    client.Client
	TaskQueue string
	Config    *config.Config
	// NewID makes request ids (default: a random UUID).
	NewID func() string
}

// Request validates the request against the configured role, resolves the
// approver and starts the workflow.
func (s *Starter) Request(ctx context.Context, r Request) (Started, error) {
	role, ok := s.Config.ElevationRole(r.Role)
	if !ok {
		var names []string
		for _, x := range s.Config.Elevation.Roles {
			names = append(names, x.Name)
		}
		return Started{}, refused("unknown role %q (requestable: %s)", r.Role, strings.Join(names, ", "))
	}
	p := s.Config.ElevationPolicy(role)
	if r.Duration == 0 {
		r.Duration = p.DefaultDuration
	}
	switch {
	case r.Duration < 0:
		return Started{}, refused("duration must be positive")
	case r.Duration > p.MaxDuration:
		return Started{}, refused("%s is longer than the maximum %s for %s", r.Duration, p.MaxDuration, r.Role)
	case strings.TrimSpace(r.Justification) == "":
		return Started{}, refused("a justification is required")
	case r.EmployeeID == "":
		return Started{}, refused("the requester's employee id is required")
	}
	requester, err := s.hrRecord(ctx, r.EmployeeID, "requester")
	if err != nil {
		return Started{}, err
	}
	approverID, ok := strings.CutPrefix(role.Approver, "employee:")
	if !ok {
		if approverID = requester.ManagerEmployeeID; approverID == "" {
			return Started{}, refused("employee %s has no manager in HR to approve", r.EmployeeID)
		}
	}
	if approverID == r.EmployeeID {
		return Started{}, refused("you would approve your own request (rule %q): ask an administrator to name another approver", role.Approver)
	}
	approver, err := s.hrRecord(ctx, approverID, "approver")
	if err != nil {
		return Started{}, err
	}
	if strings.EqualFold(strings.TrimSpace(approver.Email), strings.TrimSpace(requester.Email)) {
		return Started{}, refused("your approver %s has your work email in HR: ask an administrator to name another approver", approverID)
	}
	id := ""
	switch {
	case r.DeliveryID != "":
		id = RequestIDFor(r.DeliveryID)
	case s.NewID != nil:
		id = s.NewID()
	default:
		id = uuid.NewString()
	}
	in := contract.ElevationInput{RequestID: id, RequesterEmployeeID: r.EmployeeID, RoleName: role.Name, Duration: r.Duration,
		Justification: r.Justification, ApproverEmployeeID: approverID, Policy: p, RequestedVia: r.Via,
		ApproverEmail: approver.Email, RequesterEmail: requester.Email}
	wid := contract.ElevationWorkflowID(id)
	opts := client.StartWorkflowOptions{
		ID: wid, TaskQueue: s.TaskQueue,
		// Only opaque ids and words: search attributes are not encrypted.
		TypedSearchAttributes: temporal.NewSearchAttributes(
			contract.EmployeeIDKey.ValueSet(r.EmployeeID),
			contract.ElevationRoleKey.ValueSet(role.Name),
			contract.ElevationStatusKey.ValueSet("requested"),
		),
	}
	if r.DeliveryID != "" {
		// A replayed delivery joins the request it started, even one that
		// has ended: never a second request.
		opts.WorkflowIDConflictPolicy = enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING
		opts.WorkflowIDReusePolicy = enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE
	}
	_, err = s.Client.ExecuteWorkflow(ctx, opts, contract.ElevationWorkflowName, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if r.DeliveryID != "" && errors.As(err, &started) {
		err = nil
	}
	if err != nil {
		return Started{}, fmt.Errorf("start %s: %w", wid, err)
	}
	return Started{RequestID: id, WorkflowID: wid, ApproverEmployeeID: approverID, Duration: r.Duration}, nil
}

// deliveryNamespace makes request ids from delivery ids (UUID v5).
var deliveryNamespace = uuid.MustParse("5b0c6f1e-2d43-4f7a-9a51-6a3c0f1d7e21")

// RequestIDFor is the request id a request with this delivery id gets, so
// an answer sent before the request is made can name it.
func RequestIDFor(deliveryID string) string {
	return uuid.NewSHA1(deliveryNamespace, []byte(deliveryID)).String()
}

// hrRecord is the last HR record jml holds for the employee (their
// Employee workflow's state): the requester's or the approver's, as who
// says. None, or a terminated employee, refuses the request.
func (s *Starter) hrRecord(ctx context.Context, employeeID, who string) (domain.HRRecord, error) {
	st, found, err := readHR(ctx, s.Client, employeeID)
	switch {
	case err != nil:
		return domain.HRRecord{}, err
	case !found && who == "requester":
		return domain.HRRecord{}, refused("employee %s has no HR record in jml, so their manager is unknown", employeeID)
	case !found:
		return domain.HRRecord{}, refused("the %s %s has no HR record in jml, so the approval cannot be sent", who, employeeID)
	case st.Terminated:
		return domain.HRRecord{}, refused("the %s %s is terminated", who, employeeID)
	}
	return *st.Record, nil
}

// readHR queries the Employee workflow of the employee; found is false
// when jml holds no HR record for them.
func readHR(ctx context.Context, c client.Client, employeeID string) (contract.EmployeeState, bool, error) {
	var st contract.EmployeeState
	v, err := c.QueryWorkflow(ctx, contract.EmployeeWorkflowID(employeeID), "", contract.QueryState)
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return st, false, nil
		}
		return st, false, fmt.Errorf("read the HR record of %s: %w", employeeID, err)
	}
	if err := v.Get(&st); err != nil {
		return st, false, fmt.Errorf("read the HR record of %s: %w", employeeID, err)
	}
	return st, st.Record != nil, nil
}

// Decide sends one decision (approve, deny, revoke, extend) and returns the
// workflow's answer: accepted, or refused and recorded.
//
// updateID, when set, makes the delivery idempotent in Temporal itself: a
// second update with the same id (a replayed Slack callback, to any intake
// replica or after a restart) gets the first one's outcome and records
// nothing.
func (s *Starter) Decide(ctx context.Context, requestID, action string, d contract.ElevationDecision, updateID string) (contract.ElevationDecisionResult, error) {
	var out contract.ElevationDecisionResult
	if !slices.Contains([]string{contract.UpdateApprove, contract.UpdateDeny, contract.UpdateRevoke, contract.UpdateExtend}, action) {
		return out, fmt.Errorf("%w: unknown action %q", ErrNotPending, action)
	}
	h, err := s.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: contract.ElevationWorkflowID(requestID), UpdateName: action, Args: []any{d}, UpdateID: updateID,
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return out, ErrNotFound
		}
		return out, err
	}
	if err := h.Get(ctx, &out); err != nil {
		var app *temporal.ApplicationError
		if errors.As(err, &app) {
			return out, fmt.Errorf("%w: %s", ErrNotPending, app.Message())
		}
		return out, err
	}
	return out, nil
}

// SlackIdentity ties a Slack user id to an employee by what HR says:
// users.info gives the member's email, and the member is the employee whose
// HR record (as their Employee workflow holds it) has that work email. The
// directories only propose whom to check, by keyed look-up (the employee
// ids of the accounts with that email); a proposal counts only when the HR
// record agrees. So an admin who sets their own employeeId to their
// manager's gains nothing: the manager's HR email is not theirs.
type SlackIdentity struct {
	Slack       *slack.Client
	Directories map[string]directory.Directory
	Order       []string      // enabled directories, in the order to ask
	Client      client.Client // reads the HR records jml holds
}

// Identify returns the actor behind a Slack user id. EmployeeID is empty
// when the member matches no HR record; the workflow then judges the press
// by the Slack id alone, and records it.
func (i SlackIdentity) Identify(ctx context.Context, slackUserID string) (contract.Actor, error) {
	a := contract.Actor{SlackUserID: slackUserID, Via: "slack"}
	if i.Slack == nil || i.Client == nil {
		return a, nil
	}
	u, err := i.Slack.UserInfo(ctx, slackUserID)
	if directory.IsNotFound(err) {
		return a, nil
	}
	if err != nil {
		return a, err
	}
	email := strings.TrimSpace(u.Email)
	if email == "" {
		return a, nil
	}
	var tried []string
	for _, name := range i.Order {
		d, ok := i.Directories[name]
		if !ok {
			continue
		}
		acct, err := d.FindUser(ctx, "", email)
		if directory.IsNotFound(err) {
			continue
		}
		if err != nil {
			return a, err
		}
		id := acct.EmployeeID
		if id == "" || slices.Contains(tried, id) {
			continue
		}
		tried = append(tried, id)
		st, found, err := readHR(ctx, i.Client, id)
		if err != nil {
			return a, err
		}
		if found && strings.EqualFold(strings.TrimSpace(st.Record.Email), email) {
			a.EmployeeID = id
			return a, nil
		}
	}
	return a, nil
}

// Service is what the intake needs: the starter and the identity.
type Service struct {
	*Starter
	SlackIdentity
}
