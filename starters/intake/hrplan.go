package intake

import (
	"context"
	"fmt"
	"net/http"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/hr"
)

// planRecords answers POST /hr/records?plan=1: the plan of the batch (the
// same rules as delivering it), with nothing signalled. 200 whatever the
// plan says; the rows carry their errors.
func (s *Server) planRecords(w http.ResponseWriter, r *http.Request, recs []domain.HRRecord) {
	if s.opts.Planner == nil {
		writeError(w, http.StatusNotImplemented, "test mode (plan=1) is not configured on this intake")
		return
	}
	rows := make([]hr.Row, len(recs))
	for i, rec := range recs {
		rows[i] = hr.Row{Ref: fmt.Sprintf("records[%d]", i), Record: rec}
	}
	var known func(context.Context, string) (bool, error)
	if k, ok := s.opts.Sink.(interface {
		Known(context.Context, string) (bool, error)
	}); ok {
		known = k.Known
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.BatchDeadline)
	defer cancel()
	plan := s.opts.Planner.Plan(ctx, "webhook", rows, known)
	writeJSON(w, http.StatusOK, map[string]any{"plan": plan})
}
