package domain

// Event is a lifecycle event: the kind of a child workflow and the
// LifecycleEvent search attribute.
type Event string

const (
	// NoEvent is "no lifecycle event": the Employee workflow's status
	// changed without one (a record accepted, a run started).
	NoEvent       Event = ""
	EventJoiner   Event = "joiner"
	EventActivate Event = "activate" // enable accounts created during the joiner lead time
	EventMover    Event = "mover"
	EventLeaver   Event = "leaver"
	EventRehire   Event = "rehire"
	// EventManager sets a manager whose account did not exist yet when the
	// joiner or mover ran (activities of the Employee workflow, no child).
	EventManager Event = "manager"
)

// Status is a lifecycle status (the LifecycleStatus search attribute): the
// Employee workflow's, or a child's (running, blocked, completed).
type Status string

const (
	StatusNew                  Status = "new"
	StatusPendingStart         Status = "pending-start"
	StatusActive               Status = "active"
	StatusTerminationScheduled Status = "termination-scheduled"
	StatusOffboarding          Status = "offboarding"
	StatusTerminated           Status = "terminated"
	StatusRunning              Status = "running"   // a child at work
	StatusBlocked              Status = "blocked"   // a step waits for an operator's retry/skip
	StatusCompleted            Status = "completed" // a child done
	StatusCancelled            Status = "cancelled" // a child stopped part-way (a termination fell due)
)

// Classification is what one HR record means against the employee's state.
type Classification string

const (
	ClassJoin                 Classification = "join"
	ClassMove                 Classification = "move"
	ClassLeave                Classification = "leave"
	ClassRehire               Classification = "rehire"
	ClassTerminationCancelled Classification = "termination-cancelled"
	ClassNoOp                 Classification = "no-op"
)

// ClassifyReason says why a record got its Classification. Its text is the
// reason an apply-hr-record result reports, so the words are part of the
// recorded histories: change none of them.
type ClassifyReason string

const (
	ReasonFirstRecord        ClassifyReason = "first record for this employee"
	ReasonFirstIsTermination ClassifyReason = "first record is a termination"
	// ReasonStale: the record is older than the one held, which is kept.
	ReasonStale      ClassifyReason = "stale: older than the record already accepted"
	ReasonTerminated ClassifyReason = "terminated"
	// ReasonReplayed: a signed delivery already accepted, sent again.
	ReasonReplayed               ClassifyReason = "replayed delivery: already accepted"
	ReasonTerminationRepeated    ClassifyReason = "termination already accepted"
	ReasonTerminationMoved       ClassifyReason = "termination rescheduled"
	ReasonActiveBeforeEffective  ClassifyReason = "active again before the termination took effect"
	ReasonActiveAfterTermination ClassifyReason = "active again after termination"
	ReasonNothingRelevant        ClassifyReason = "nothing relevant changed"
)

// ReasonChanged is a move's reason: the mover-relevant fields that differ,
// comma-separated.
func ReasonChanged(fields string) ClassifyReason { return ClassifyReason("changed: " + fields) }

// Result is how one directory's lane of a lifecycle child ended.
type Result string

const (
	ResultOK        Result = "ok"
	ResultSkipped   Result = "skipped" // an operator skipped a failed step
	ResultNoAccount Result = "no_account"
)

// ErrorType is the type of an activity's application error.
type ErrorType string

const (
	ErrDirectoryThrottled   ErrorType = "DirectoryThrottled"
	ErrDirectoryTransient   ErrorType = "DirectoryTransient"
	ErrDirectoryPermanent   ErrorType = "DirectoryPermanent"
	ErrDirectoryNotFound    ErrorType = "DirectoryNotFound"
	ErrDirectoryUnsupported ErrorType = "DirectoryUnsupported"
	ErrBadInput             ErrorType = "BadInput"
	ErrVerifyFailed         ErrorType = "VerifyFailed"
	ErrExportFailed         ErrorType = "ExportFailed"
)

// NonRetryable are the error types no retry can fix.
var NonRetryable = []ErrorType{ErrDirectoryPermanent, ErrDirectoryNotFound, ErrDirectoryUnsupported, ErrBadInput}

// ElevationStatus is the state of one elevation request (the
// ElevationStatus search attribute).
type ElevationStatus string

const (
	ElevationPending  ElevationStatus = "pending-approval"
	ElevationDenied   ElevationStatus = "denied"  // denied by the approver, or a gate failed
	ElevationExpired  ElevationStatus = "expired" // no decision within the approval timeout
	ElevationGranting ElevationStatus = "granting"
	ElevationActive   ElevationStatus = "active"
	ElevationRevoked  ElevationStatus = "revoked" // ended: at expiry or early
	ElevationFailed   ElevationStatus = "failed"  // the grant could not be made
)

// DecisionResult is what became of an operator's or approver's decision.
type DecisionResult string

const (
	DecisionAccepted DecisionResult = "accepted"
	DecisionRefused  DecisionResult = "refused"
)
