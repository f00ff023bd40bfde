package directory

import (
	"context"
	"fmt"
	"strings"

	"github.com/jml-dev/jml/domain"
)

// UserAppRemover unassigns an app from one user in the directory's own
// single sign-on (Okta: DELETE /api/v1/apps/{appId}/users/{userId}), the
// app named by its label as UserAppReader lists it. Removed, or WasAbsent
// when it is not assigned (any more). An assignment that comes from a group
// membership cannot be removed for one user: the answer is then an
// *AppGroupAssigned error naming the groups.
type UserAppRemover interface {
	RemoveUserApp(ctx context.Context, id, app string) (domain.Outcome, error)
}

// AppGroupAssigned is the directory's refusal to unassign an app a group
// membership grants (Okta's 403 E0000046): the access goes with the
// membership, or with the group's assignment to the app.
type AppGroupAssigned struct {
	System string
	App    string
	Groups []string // the user's groups the app is assigned to (names); empty when they could not be read
}

func (e *AppGroupAssigned) Error() string {
	via := "a group membership"
	if len(e.Groups) > 0 {
		via = "group " + strings.Join(e.Groups, ", ")
	}
	return fmt.Sprintf("%s: app %s is assigned through %s; %s does not unassign a group-derived app from one user: remove the membership (or the group's assignment to the app)",
		e.System, e.App, via, e.System)
}
