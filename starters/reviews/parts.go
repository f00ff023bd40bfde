package reviews

import (
	"context"

	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/contract"
)

// withParts reads a campaign reviewed in parts as one: each part's state
// query adds its reviewees and refusals, and its live status (open,
// escalated, blocked) to the campaign's list of parts. A part that cannot
// be read keeps what the campaign knows of it.
func withParts(ctx context.Context, c client.Client, st contract.ReviewState) contract.ReviewState {
	for i := range st.Parts {
		p := &st.Parts[i]
		v, err := c.QueryWorkflow(ctx, p.WorkflowID, "", contract.QueryState)
		if err != nil {
			continue
		}
		var ps contract.ReviewState
		if v.Get(&ps) != nil {
			continue
		}
		st.Reviewees = append(st.Reviewees, ps.Reviewees...)
		st.Refusals = append(st.Refusals, ps.Refusals...)
		if p.Status == contract.ReviewPartOpen {
			p.Status = ps.Status
		}
	}
	return st
}
