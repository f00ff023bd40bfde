package workflows

import "github.com/jml-dev/jml/contract"

// ElevationParties are who a request's decisions are checked against: the
// requester and the approver, by employee id (HR) and by the Slack member
// of their HR email.
type ElevationParties struct {
	RequesterEmployeeID  string
	RequesterSlackUserID string
	ApproverEmployeeID   string
	ApproverSlackUserID  string
}

// IsRequester: the actor is the requester under any identifier jml holds.
func (p ElevationParties) IsRequester(a contract.Actor) bool {
	return (a.EmployeeID != "" && a.EmployeeID == p.RequesterEmployeeID) ||
		(a.SlackUserID != "" && a.SlackUserID == p.RequesterSlackUserID)
}

// IsApprover: a Slack press counts only from the Slack member of the
// approver's HR email (Slack signed the presser's id; the employee id the
// intake resolved is for the record). A decision without a Slack id (the
// CLI) carries the operator's declared employee id. The requester is never
// the approver, whatever else matches.
func (p ElevationParties) IsApprover(a contract.Actor) bool {
	if p.IsRequester(a) {
		return false
	}
	if a.SlackUserID != "" {
		return p.ApproverSlackUserID != "" && a.SlackUserID == p.ApproverSlackUserID
	}
	return a.EmployeeID != "" && a.EmployeeID == p.ApproverEmployeeID
}
