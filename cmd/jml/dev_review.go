package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/starters/reviews"
	"github.com/jml-dev/jml/workers"
)

// demoReview starts a small access-review campaign at start, so a visitor
// sees a review DM with Keep, Remove and Keep all in the Slack page: the
// demo elevation's Engineering employee, reviewed by their HR manager
// (demoElevation sends both HR records).
func demoReview(ctx context.Context, c client.Client, cfg *config.Config, org demoorg.Org, stdout io.Writer) {
	var who demoorg.Employee
	for _, e := range org.Employees[min(len(demoorg.Departments), len(org.Employees)):] {
		if e.Department == "Engineering" && e.DeviceOK && e.MFA {
			who = e
			break
		}
	}
	if who.EmployeeID == "" {
		return
	}
	hr := workers.HRRecords{Client: c}
	for range 60 { // until jml holds both HR records
		_, a, _ := hr.HRRecord(ctx, who.EmployeeID)
		_, b, _ := hr.HRRecord(ctx, who.ManagerEmployeeID)
		if a && b {
			break
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
	id, err := reviews.Start(ctx, c, cfg, reviews.StartRequest{Campaign: "demo-" + time.Now().UTC().Format("20060102-150405"),
		Scope: contract.ReviewScope{EmployeeID: who.EmployeeID}, By: "dev"})
	if err != nil {
		return
	}
	fmt.Fprintf(stdout, "  Demo access review: %s reviews %s's access; press Keep, Remove or Keep all in the Slack page. jml review status %s\n\n",
		who.ManagerEmployeeID, who.EmployeeID, id)
}
