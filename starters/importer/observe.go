package importer

import "sync/atomic"

// Observer hears the final outcome counts of each import that changed
// something (a webhook batch, a scheduled import's run): never a plan, and
// never a row's content. The metrics package implements it.
type Observer func(outcome string, rows int)

var observer atomic.Pointer[Observer]

// SetObserver installs o for this process (nil removes it).
func SetObserver(o Observer) {
	if o == nil {
		observer.Store(nil)
		return
	}
	observer.Store(&o)
}

// Outcome words of Record, the metric's label values.
const (
	OutcomeDelivered   = "delivered"
	OutcomeUnchanged   = "unchanged"
	OutcomeQuarantined = "quarantined"
	OutcomeRefused     = "refused" // a whole run held back (e.g. a file missing too many people)
)

// Record reports one finished import's counts to the observer, if any.
func Record(c Counts) {
	RecordOutcome(OutcomeDelivered, c.Delivered)
	RecordOutcome(OutcomeUnchanged, c.Unchanged)
	RecordOutcome(OutcomeQuarantined, c.Quarantined)
}

// RecordOutcome reports rows with one outcome; zero rows report nothing.
func RecordOutcome(outcome string, rows int) {
	if p := observer.Load(); p != nil && rows > 0 {
		(*p)(outcome, rows)
	}
}
