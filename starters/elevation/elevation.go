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
// directory. A requester jml holds no HR record for is refused.
package elevation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
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
	approver, err := s.approver(ctx, r.EmployeeID, role.Approver)
	if err != nil {
		return Started{}, err
	}
	if approver == r.EmployeeID {
		return Started{}, refused("you would approve your own request (rule %q): ask an administrator to name another approver", role.Approver)
	}
	newID := s.NewID
	if newID == nil {
		newID = uuid.NewString
	}
	id := newID()
	in := contract.ElevationInput{RequestID: id, RequesterEmployeeID: r.EmployeeID, RoleName: role.Name, Duration: r.Duration,
		Justification: r.Justification, ApproverEmployeeID: approver, Policy: p, RequestedVia: r.Via}
	wid := contract.ElevationWorkflowID(id)
	_, err = s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: wid, TaskQueue: s.TaskQueue,
		// Only opaque ids and words: search attributes are not encrypted.
		TypedSearchAttributes: temporal.NewSearchAttributes(
			contract.EmployeeIDKey.ValueSet(r.EmployeeID),
			contract.ElevationRoleKey.ValueSet(role.Name),
			contract.ElevationStatusKey.ValueSet("requested"),
		),
	}, contract.ElevationWorkflowName, in)
	if err != nil {
		return Started{}, fmt.Errorf("start %s: %w", wid, err)
	}
	return Started{RequestID: id, WorkflowID: wid, ApproverEmployeeID: approver, Duration: r.Duration}, nil
}

// approver applies the role's rule.
func (s *Starter) approver(ctx context.Context, employeeID, rule string) (string, error) {
	if id, ok := strings.CutPrefix(rule, "employee:"); ok {
		return id, nil
	}
	v, err := s.Client.QueryWorkflow(ctx, contract.EmployeeWorkflowID(employeeID), "", contract.QueryState)
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return "", refused("employee %s has no HR record in jml, so their manager is unknown", employeeID)
		}
		return "", fmt.Errorf("read the HR record of %s: %w", employeeID, err)
	}
	var st contract.EmployeeState
	if err := v.Get(&st); err != nil {
		return "", fmt.Errorf("read the HR record of %s: %w", employeeID, err)
	}
	switch {
	case st.Record == nil:
		return "", refused("employee %s has no HR record in jml, so their manager is unknown", employeeID)
	case st.Terminated:
		return "", refused("employee %s is terminated", employeeID)
	case st.Record.ManagerEmployeeID == "":
		return "", refused("employee %s has no manager in HR to approve", employeeID)
	}
	return st.Record.ManagerEmployeeID, nil
}

// Decide sends one decision (approve, deny, revoke, extend) and returns the
// workflow's answer: accepted, or refused and recorded.
func (s *Starter) Decide(ctx context.Context, requestID, action string, d contract.ElevationDecision) (contract.ElevationDecisionResult, error) {
	var out contract.ElevationDecisionResult
	if !slices.Contains([]string{contract.UpdateApprove, contract.UpdateDeny, contract.UpdateRevoke, contract.UpdateExtend}, action) {
		return out, fmt.Errorf("%w: unknown action %q", ErrNotPending, action)
	}
	h, err := s.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: contract.ElevationWorkflowID(requestID), UpdateName: action, Args: []any{d},
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

// SlackIdentity ties a Slack user id to an employee: users.info gives the
// member's email, the directories the employee id it belongs to.
type SlackIdentity struct {
	Slack       *slack.Client
	Directories map[string]directory.Directory
	Order       []string // enabled directories, in the order to ask
}

// Identify returns the actor behind a Slack user id. EmployeeID is empty
// when the member matches no employee; the workflow then refuses (and
// records) whatever they attempt.
func (i SlackIdentity) Identify(ctx context.Context, slackUserID string) (contract.Actor, error) {
	a := contract.Actor{SlackUserID: slackUserID, Via: "slack"}
	if i.Slack == nil {
		return a, nil
	}
	u, err := i.Slack.UserInfo(ctx, slackUserID)
	if directory.IsNotFound(err) {
		return a, nil
	}
	if err != nil {
		return a, err
	}
	if u.Email == "" {
		return a, nil
	}
	for _, name := range i.Order {
		d, ok := i.Directories[name]
		if !ok {
			continue
		}
		acct, err := d.FindUser(ctx, "", u.Email)
		if directory.IsNotFound(err) {
			continue
		}
		if err != nil {
			return a, err
		}
		if acct.EmployeeID != "" {
			a.EmployeeID = acct.EmployeeID
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
