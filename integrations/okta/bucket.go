package okta

import (
	"net/http"
	"strings"
)

// Bucket names the Okta rate-limit bucket of a request: Okta meters the
// management API per endpoint family, org-wide (users, a user's sessions,
// roles and factors, groups, logs), so each gets its own client bucket.
func Bucket(r *http.Request) string {
	p := strings.TrimPrefix(r.URL.Path, "/api/v1/")
	if p == r.URL.Path {
		return "other"
	}
	seg := strings.Split(p, "/")
	switch seg[0] {
	case "users":
		if len(seg) >= 3 {
			switch seg[2] {
			case "sessions", "roles", "factors":
				return seg[2]
			}
		}
		return "users"
	case "groups", "logs":
		return seg[0]
	}
	return "other"
}
