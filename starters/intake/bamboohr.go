package intake

import (
	"context"
	"net/http"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/hr/bamboohr"
)

// EmployeeFetcher reads one employee from BambooHR; its event-based
// webhooks carry only the id and the changed field names.
type EmployeeFetcher interface {
	GetEmployee(ctx context.Context, id string) (domain.HRRecord, error)
}

// bambooHR accepts BambooHR's signed employee events: verify, fetch the
// record, validate, deliver to the Employee workflow.
func (s *Server) bambooHR(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	if err := bamboohr.VerifyWebhook(r.Header, body, s.opts.HRSecret, s.opts.Now()); err != nil {
		s.opts.Logger.Warn().Str("source", sourceOf(r)).Str("reason", err.Error()).Msg("BambooHR webhook refused")
		writeError(w, http.StatusUnauthorized, err.Error())
		return
	}
	if err := s.replays.Check(r.Header.Get(bamboohr.HeaderSig), s.opts.Now()); err != nil {
		writeError(w, http.StatusUnauthorized, err.Error())
		return
	}
	ev, err := bamboohr.ParseWebhook(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if ev.Type == bamboohr.EventDeleted {
		// Deleting a record in BambooHR is not a termination; offboarding
		// follows the termination date, so nothing is revoked here.
		s.opts.Logger.Warn().Str("bamboohr_id", ev.EmployeeID).Msg("BambooHR employee deleted: no action (terminate in HR to offboard)")
		writeJSON(w, http.StatusAccepted, map[string]any{"results": []Result{{Ref: "bamboohr:" + ev.EmployeeID, Error: "deleted records are not offboarded; set a termination date"}}})
		return
	}
	rec, err := s.opts.BambooHR.GetEmployee(r.Context(), ev.EmployeeID)
	if err != nil {
		s.opts.Logger.Error().Str("bamboohr_id", ev.EmployeeID).Str("reason", err.Error()).Msg("fetch BambooHR employee")
		// 502 makes BambooHR deliver again later: nothing is lost.
		writeError(w, http.StatusBadGateway, "could not read the employee from BambooHR; retry later")
		return
	}
	ref := "bamboohr:" + ev.EmployeeID
	res := Result{EmployeeID: rec.EmployeeID, Ref: ref}
	if err := rec.Validate(ref); err != nil {
		s.opts.Logger.Warn().Str("bamboohr_id", ev.EmployeeID).Str("reason", err.Error()).Msg("BambooHR record quarantined")
		res.Error = err.Error()
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"results": []Result{res}})
		return
	}
	id, err := s.opts.Sink.Deliver(r.Context(), rec, deliveryID("bamboohr", r.Header.Get(bamboohr.HeaderSig), 0))
	if err != nil {
		s.opts.Logger.Error().Err(err).Str("employee_id", rec.EmployeeID).Msg("forward HR record")
		writeError(w, http.StatusServiceUnavailable, "could not be queued; retry later")
		return
	}
	res.WorkflowID = id
	writeJSON(w, http.StatusAccepted, map[string]any{"results": []Result{res}})
}
