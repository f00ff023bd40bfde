package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/starters/reviews"
)

const reviewUsage = "Access-review campaigns. Usage:\n  jml review start  --config FILE [--scope department=NAME|employee=ID] [--due 14d] [--campaign ID]\n  jml review status --config FILE CAMPAIGN\n  jml review list   --config FILE"

func runReview(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, reviewUsage)
		return usagef("a subcommand is required: start, status or list")
	}
	switch args[0] {
	case "start":
		return reviewStart(ctx, args[1:], stdout, stderr)
	case "status":
		return reviewStatus(ctx, args[1:], stdout, stderr)
	case "list":
		return reviewList(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, reviewUsage)
		return nil
	}
	return usagef("unknown subcommand %q: want start, status or list", args[0])
}

func reviewStart(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("review start", "Starts an access-review campaign now: a snapshot of the access everyone in scope holds, one\nSlack DM per reviewee to their reviewer (HR manager, manager's manager, reviews.owner), reminders,\nthe non-response policy at due, removals applied and read back. Prints the campaign id.", stderr)
	cfgPath := fs.String("config", "", "configuration file (YAML)")
	scope := fs.String("scope", "", "who is reviewed: department=NAME or employee=ID (default: every active employee)")
	due := fs.String("due", "", "how long reviewers have, e.g. 14d or 36h (default: reviews.due)")
	campaign := fs.String("campaign", "", "campaign id (default: r-<UTC time>)")
	by := fs.String("operator", "", "who starts it (recorded)")
	if err := parse(fs, args); err != nil {
		return err
	}
	sc, err := reviews.ParseScope(*scope)
	if err != nil {
		return usageError{err}
	}
	var d time.Duration
	if *due != "" {
		if d, err = config.ParseDays(*due); err != nil {
			return usagef("--due: %v", err)
		}
	}
	if *campaign != "" {
		if err := contract.ValidCampaignID(*campaign); err != nil {
			return usageError{err}
		}
	}
	s, err := connect(ctx, *cfgPath, config.NeedNothing, stderr)
	if err != nil {
		return err
	}
	defer s.client.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	id, err := reviews.Start(ctx, s.client, s.cfg, reviews.StartRequest{Campaign: *campaign, Scope: sc, Due: d, By: *by})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, id)
	fmt.Fprintf(stderr, "campaign %s started (workflow %s, scope %s)\n", id, contract.AccessReviewWorkflowID(id), sc)
	return nil
}

func reviewStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("review status", "Prints a campaign's progress: reviewers, decisions, outcomes, refusals.", stderr)
	cfgPath := fs.String("config", "", "configuration file (YAML)")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() != 1 {
		return usagef("one campaign id is required (jml review list shows them)")
	}
	s, err := connect(ctx, *cfgPath, config.NeedNothing, stderr)
	if err != nil {
		return err
	}
	defer s.client.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	st, err := reviews.Status(ctx, s.client, s.cfg.Temporal.Namespace, fs.Arg(0))
	if errors.Is(err, reviews.ErrNotFound) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	printReviewStatus(stdout, st)
	return nil
}

func printReviewStatus(w io.Writer, st contract.ReviewState) {
	items, decided := 0, 0
	counts := map[string]int{}
	for _, rv := range st.Reviewees {
		for _, it := range rv.Items {
			items++
			if it.Decision != "" || it.Result != "" {
				decided++
			}
			if it.Result != "" {
				counts[it.Result]++
			}
		}
	}
	pct := 0.0
	if items > 0 {
		pct = float64(decided) * 100 / float64(items)
	}
	fmt.Fprintf(w, "campaign %s (%s): %s, started %s, due %s\n", st.Campaign, st.Scope, st.Status, st.StartedAt.UTC().Format(time.RFC3339), st.DueAt.UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "%d reviewees, %d items, %d decided (%.0f%%); non-response: %s; refusals: %d\n", len(st.Reviewees), items, decided, pct, st.NonResponse, len(st.Refusals))
	if st.SnapshotPath != "" {
		fmt.Fprintf(w, "snapshot %s sha256 %s\n", st.SnapshotPath, st.SnapshotSHA256)
	}
	for _, k := range []string{contract.ReviewApplied, contract.ReviewAlreadyRemoved, contract.ReviewKept, contract.ReviewFailed, contract.ReviewSkippedByPolicy, contract.ReviewClosedLeaver, contract.ReviewClosedMoved, contract.ReviewNotReviewed} {
		if counts[k] > 0 {
			fmt.Fprintf(w, "  %s: %d\n", k, counts[k])
		}
	}
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "REVIEWEE\tREVIEWER\tITEMS\tPENDING\tSTATE")
	for _, rv := range st.Reviewees {
		pending := 0
		for _, it := range rv.Items {
			if it.Decision == "" && it.Result == "" {
				pending++
			}
		}
		state := "pending"
		switch {
		case rv.Closed != "":
			state = "closed (" + rv.Closed + ")"
		case rv.Applied:
			state = "applied"
		case !rv.Pending():
			state = "decided"
		}
		reviewer := rv.Reviewer
		if reviewer == "" {
			reviewer = "(none)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", rv.EmployeeID, reviewer, len(rv.Items), pending, state)
	}
	tw.Flush()
	for _, b := range st.Blocked {
		fmt.Fprintf(w, "blocked: %s (send the retry or skip update with directory %q)\n", b, b)
	}
	for _, p := range st.Parts {
		state := p.Status
		if p.Error != "" {
			state += ": " + p.Error
		}
		fmt.Fprintf(w, "part %s (workflow %s): %d reviewees, %s\n", p.Campaign, p.WorkflowID, p.Reviewees, state)
	}
	for _, e := range st.Evidence {
		fmt.Fprintf(w, "evidence: %s\n", e)
	}
}

func reviewList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("review list", "Lists access-review campaigns, newest first.", stderr)
	cfgPath := fs.String("config", "", "configuration file (YAML)")
	if err := parse(fs, args); err != nil {
		return err
	}
	s, err := connect(ctx, *cfgPath, config.NeedNothing, stderr)
	if err != nil {
		return err
	}
	defer s.client.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cs, err := reviews.List(ctx, s.client, s.cfg.Temporal.Namespace)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "CAMPAIGN\tSTATUS\tSTARTED\tCLOSED")
	for _, c := range cs {
		closed := ""
		if !c.Closed.IsZero() {
			closed = c.Closed.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.Status, c.Started.UTC().Format(time.RFC3339), closed)
	}
	return tw.Flush()
}
