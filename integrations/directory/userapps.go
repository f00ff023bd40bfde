package directory

import "context"

// UserAppReader lists the apps one user is assigned in the directory's own
// single sign-on (Okta's app links), for an access review's per-user read.
// Apps are named by their label, as the admin console shows them.
type UserAppReader interface {
	ListUserApps(ctx context.Context, id string) ([]string, error)
}
