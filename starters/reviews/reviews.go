// Package reviews starts and reads access-review campaigns: the quarterly
// Temporal Schedule (reviews.schedule), `jml review start|status|list`, and
// the Slack presses the intake turns into the campaign's decision update.
package reviews

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/starters/hrimport"
)

// ErrNotFound: no such campaign.
var ErrNotFound = errors.New("campaign not found")

// ParseScope reads --scope: "" or "all", "department=Sales", "employee=E0042".
func ParseScope(s string) (contract.ReviewScope, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "all" {
		return contract.ReviewScope{}, nil
	}
	k, v, ok := strings.Cut(s, "=")
	v = strings.TrimSpace(v)
	switch {
	case !ok || v == "":
	case k == "department":
		return contract.ReviewScope{Department: v}, nil
	case k == "employee":
		return contract.ReviewScope{EmployeeID: v}, nil
	}
	return contract.ReviewScope{}, fmt.Errorf("--scope %q: want department=NAME or employee=ID", s)
}

// Action is what the schedule starts: a campaign over everyone, with the
// configured policy; its id is the schedule's run ("review/quarterly-<time>").
func Action(cfg *config.Config) *client.ScheduleWorkflowAction {
	return &client.ScheduleWorkflowAction{ID: contract.AccessReviewWorkflowID("quarterly"), Workflow: contract.AccessReviewWorkflowName,
		TaskQueue: cfg.Temporal.TaskQueue, StaticSummary: "access review campaign (scheduled)",
		Args: []any{contract.AccessReviewInput{Policy: cfg.ReviewPolicy(), StartedBy: "schedule"}}}
}

// EnsureSchedule creates the campaign schedule when reviews.enabled, or
// updates its spec and action; it returns the schedule id ("" when off).
func EnsureSchedule(ctx context.Context, c client.Client, cfg *config.Config) (string, error) {
	if !cfg.Reviews.Enabled {
		return "", nil
	}
	spec, err := hrimport.Spec(cfg.Reviews.ReviewSchedule())
	if err != nil {
		return "", fmt.Errorf("reviews.schedule: %w", err)
	}
	id, action := contract.ReviewScheduleID, Action(cfg)
	_, err = c.ScheduleClient().Create(ctx, client.ScheduleOptions{ID: id, Spec: spec, Action: action,
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL, CatchupWindow: 24 * time.Hour})
	if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		err = c.ScheduleClient().GetHandle(ctx, id).Update(ctx, client.ScheduleUpdateOptions{
			DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
				sc := in.Description.Schedule
				sc.Spec, sc.Action = &spec, action
				return &client.ScheduleUpdate{Schedule: &sc}, nil
			},
		})
	}
	if err != nil {
		return "", fmt.Errorf("schedule %s: %w", id, err)
	}
	return id, nil
}

// StartRequest is `jml review start`.
type StartRequest struct {
	Campaign string // "" = "r-<UTC time>"
	Scope    contract.ReviewScope
	Due      time.Duration // 0 = reviews.due
	By       string        // who started it (recorded)
}

// Start starts a campaign now and returns its campaign id.
func Start(ctx context.Context, c client.Client, cfg *config.Config, r StartRequest) (string, error) {
	if r.Campaign == "" {
		r.Campaign = "r-" + time.Now().UTC().Format("20060102-150405")
	}
	if err := contract.ValidCampaignID(r.Campaign); err != nil {
		return "", err
	}
	in := contract.AccessReviewInput{Campaign: r.Campaign, Scope: r.Scope, Policy: cfg.ReviewPolicy(), StartedBy: "cli"}
	if r.By != "" {
		in.StartedBy = "cli:" + r.By
	}
	if r.Due > 0 {
		in.Policy.Due = r.Due
	}
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: contract.AccessReviewWorkflowID(r.Campaign), TaskQueue: cfg.Temporal.TaskQueue,
		StaticSummary:         "access review " + r.Campaign + " (" + in.Scope.String() + ")",
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE}, contract.AccessReviewWorkflowName, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return "", fmt.Errorf("campaign %s already exists", r.Campaign)
	}
	return r.Campaign, err
}

// Status is the campaign's state (its state query; a finished campaign
// answers from its last state). A scheduled campaign's workflow id carries
// the run time with colons, so it is found through the list.
func Status(ctx context.Context, c client.Client, namespace, campaign string) (contract.ReviewState, error) {
	var st contract.ReviewState
	v, err := c.QueryWorkflow(ctx, contract.AccessReviewWorkflowID(campaign), "", contract.QueryState)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		var wid string
		if wid, err = scheduledID(ctx, c, namespace, campaign); err == nil {
			v, err = c.QueryWorkflow(ctx, wid, "", contract.QueryState)
		}
	}
	if errors.As(err, &nf) {
		return st, fmt.Errorf("%w: %s", ErrNotFound, campaign)
	}
	if err != nil {
		return st, err
	}
	if err := v.Get(&st); err != nil || len(st.Parts) == 0 {
		return st, err
	}
	return withParts(ctx, c, st), nil
}

// Campaign is one row of `jml review list`.
type Campaign struct {
	ID         string
	WorkflowID string
	Status     string // the workflow's: Running, Completed, Failed...
	Started    time.Time
	Closed     time.Time
}

// List lists campaigns, newest first (visibility); the parts of a campaign
// reviewed in parts are not campaigns of their own.
func List(ctx context.Context, c client.Client, namespace string) ([]Campaign, error) {
	var out []Campaign
	var token []byte
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: namespace,
			Query: fmt.Sprintf("WorkflowType = %q", contract.AccessReviewWorkflowName), PageSize: 200, NextPageToken: token})
		if err != nil {
			return out, err
		}
		for _, ex := range resp.GetExecutions() {
			if ex.GetParentExecution() != nil {
				continue // a part of a campaign reviewed in parts: its campaign's status lists it
			}
			cp := Campaign{ID: contract.CampaignFromWorkflowID(ex.GetExecution().GetWorkflowId()), WorkflowID: ex.GetExecution().GetWorkflowId(),
				Status: statusWord(ex.GetStatus()), Started: ex.GetStartTime().AsTime()}
			if ex.GetCloseTime() != nil {
				cp.Closed = ex.GetCloseTime().AsTime()
			}
			out = append(out, cp)
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return out, nil
		}
	}
}

func statusWord(s enumspb.WorkflowExecutionStatus) string {
	w := strings.TrimPrefix(s.String(), "WORKFLOW_EXECUTION_STATUS_")
	if w == "" {
		return "unknown"
	}
	return strings.ToUpper(w[:1]) + strings.ToLower(w[1:])
}

// ErrClosed: the campaign is no longer taking decisions.
var ErrClosed = errors.New("campaign closed")

// Decide delivers a reviewer's decision (a Slack press) to the campaign;
// updateID makes a repeat of the same press a no-op.
func Decide(ctx context.Context, c client.Client, namespace, campaign string, d contract.ReviewDecision, updateID string) (contract.ReviewDecisionResult, error) {
	wid := contract.AccessReviewWorkflowID(campaign)
	_, err := c.DescribeWorkflow(ctx, wid, "")
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		wid, err = scheduledID(ctx, c, namespace, campaign)
	}
	if err == nil {
		var h client.WorkflowUpdateHandle
		h, err = c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: wid, UpdateID: updateID,
			UpdateName: contract.UpdateReviewDecision, Args: []any{d}, WaitForStage: client.WorkflowUpdateStageCompleted})
		if err == nil {
			var res contract.ReviewDecisionResult
			return res, h.Get(ctx, &res)
		}
	}
	if errors.As(err, &nf) {
		return contract.ReviewDecisionResult{}, fmt.Errorf("%w: %s", ErrNotFound, campaign)
	}
	if err != nil {
		if strings.Contains(err.Error(), "workflow execution already completed") {
			return contract.ReviewDecisionResult{}, ErrClosed
		}
		return contract.ReviewDecisionResult{}, err
	}
	return contract.ReviewDecisionResult{}, nil
}

// scheduledID finds the workflow id of a campaign a schedule started (its
// id carries the run time); NotFound when there is none.
func scheduledID(ctx context.Context, c client.Client, namespace, campaign string) (string, error) {
	cs, err := List(ctx, c, namespace)
	if err != nil {
		return "", err
	}
	for _, cp := range cs {
		if cp.ID == campaign {
			return cp.WorkflowID, nil
		}
	}
	return "", serviceerror.NewNotFound("campaign " + campaign)
}
