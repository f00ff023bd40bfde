package workflows

import (
	"errors"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
)

// reviewSSOAppChange: a Remove on an sso_app item unassigns the app
// (before, the item was recorded failed with "unknown kind" and no call).
const reviewSSOAppChange = "review-sso-app-removal"

// removeSSOApp unassigns an app from the reviewee in the directory's own
// SSO. It reports the outcome, or false when the item is settled already:
// failed (blocking the campaign's end and alerting, like any failed
// removal), including an assignment a group grants, which Okta does not
// remove for one user and which therefore stays.
func (r *review) removeSSOApp(ctx workflow.Context, rv *contract.Reviewee, it *contract.ReviewItem, accountID string) (string, bool) {
	a := it.Access
	if workflow.GetVersion(ctx, reviewSSOAppChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		it.Result, it.Detail, it.AppliedAt = contract.ReviewFailed, "unknown kind "+a.Kind, workflow.Now(ctx)
		return "", false
	}
	out, err := contract.RemoveSSOApp.Execute(ctx, "unassign app · "+a.Directory, contract.SSOAppInput{Directory: a.Directory, AccountID: accountID, EmployeeID: rv.EmployeeID, App: a.Entitlement})
	if err != nil {
		r.failed(ctx, rv, it, err)
		return "", false
	}
	if out.Outcome == contract.SSOAppGroupAssigned {
		why := "not removed: assigned through a group"
		if len(out.Groups) > 0 {
			why = "not removed: assigned through group " + strings.Join(out.Groups, ", ")
		}
		r.failed(ctx, rv, it, errors.New(why+"; "+a.Directory+" does not unassign a group-derived app from one user: remove the membership (or the group's assignment to the app), then retry"))
		return "", false
	}
	return out.Outcome, true
}
