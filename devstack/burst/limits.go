package burst

import (
	"fmt"
	"time"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/devstack/emulators"
)

// quota is one server-side limit the emulators enforce: an endpoint family
// ("all" = every family together) of one emulator.
type quota struct {
	Directory string // entra, okta, google, scim:<app>
	Family    string // the emulator's family, or emulator.AllFamilies
	Limit     emulator.Limit
	Source    string
}

// published are the vendors' own numbers for the endpoints a leaver uses.
// Each holds per tenant or app, across every client of it.
func published(apps []string) []quota {
	okta := "Okta management rate limits, developer.okta.com/docs/reference/rl-global-mgmt (org-wide, per endpoint bucket, per minute)"
	q := []quota{
		// /api/v1/users*: 600 a minute (the figure and Okta's page;
		// also api-evangelist/okta rate-limits: "Users endpoint 600/min").
		{"okta", "users", emulator.Limit{Requests: 600, Window: time.Minute}, okta},
		// A user's sessions, roles and /api/v1/groups have their own
		// buckets; we give them the same 600 (not re-checked per SKU).
		{"okta", "sessions", emulator.Limit{Requests: 600, Window: time.Minute}, okta},
		{"okta", "roles", emulator.Limit{Requests: 600, Window: time.Minute}, okta},
		{"okta", "groups", emulator.Limit{Requests: 600, Window: time.Minute}, okta},
		// Identity and access service, per app and tenant pair: writes 3,000
		// per 2 min 30 s (reads: 8,000 resource units per 10 s for a large
		// tenant, never the binding one here).
		{"entra", emulator.AllFamilies, emulator.Limit{Requests: 3000, Window: 150 * time.Second, WritesOnly: true},
			"learn.microsoft.com/graph/throttling-limits, identity and access service limits (write quota per app+tenant)"},
		// Intune device management, per app per tenant: 2,000 per 20 s.
		{"entra", "deviceManagement", emulator.Limit{Requests: 2000, Window: 20 * time.Second},
			"learn.microsoft.com/graph/throttling-limits, Intune service limits (per app per tenant)"},
		// Admin SDK Directory API: 2,400 queries per minute per user (the
		// admin jml acts as), every endpoint together.
		{"google", emulator.AllFamilies, emulator.Limit{Requests: 2400, Window: time.Minute},
			"Admin SDK Directory API quotas (403 userRateLimitExceeded), /work/shared/reference/directory-apis.md"},
	}
	for _, app := range apps {
		// A typical SaaS SCIM endpoint: Miro's SCIM API allows 200 GET or
		// POST /Users per 30 s (developers.miro.com/reference/rate-limits).
		q = append(q, quota{"scim:" + app, app + ":Users", emulator.Limit{Requests: 400, Window: time.Minute},
			"a typical SCIM app: Miro's SCIM limits, developers.miro.com/reference/rate-limits"})
	}
	return q
}

// ScaledFactor speeds the published limits up for --limits scaled: the
// same ratios, ten times the rate, so a burst finishes in minutes.
const ScaledFactor = 10

// quotas are the limits of a mode: published, scaled or none.
func quotas(mode string, apps []string) ([]quota, error) {
	switch mode {
	case "none":
		return nil, nil
	case "published":
		return published(apps), nil
	case "scaled":
		q := published(apps)
		for i := range q {
			q[i].Limit.Requests *= ScaledFactor
		}
		return q, nil
	}
	return nil, fmt.Errorf("--limits %q: want published, scaled or none", mode)
}

// perMinute is a quota's rate.
func (q quota) perMinute() float64 {
	return float64(q.Limit.Requests) * float64(time.Minute) / float64(q.Limit.Window)
}

// clientShare is how much of a server limit the client budget takes: a
// token bucket at rate r with burst b sends at most r*w + b in any window
// w, so a little headroom keeps a fixed window from ever overflowing: at
// 97% the largest burst any client budget here gets (Google's 39, Entra's
// 19) still fits, and Okta's users bucket runs at 582 + 1 a minute of 600.
// (At 93% the pacing alone cost 7% over the floor.)
const clientShare = 0.97

// limit sets the emulators' limits.
func limit(qs []quota, emus *emulators.Set) {
	for _, q := range qs {
		switch {
		case q.Directory == "okta":
			emus.Okta.SetLimit(q.Family, q.Limit)
		case q.Directory == "entra":
			emus.Graph.SetLimit(q.Family, q.Limit)
		case q.Directory == "google":
			emus.Google.SetLimit(q.Family, q.Limit)
		default:
			emus.SCIM.SetLimit(q.Family, q.Limit)
		}
	}
}

// clientBudgets sets the client budgets in cfg below the quotas
// (requests_per_minute is per bucket: Okta's endpoint families, Graph's
// read, write and Intune quotas; one bucket for Google and each SCIM app).
func clientBudgets(qs []quota, cfg *config.Config) {
	if qs == nil {
		cfg.Directories.Google.RequestsPerMinute = -1 // none: no client pacing either
		return
	}
	lowest := map[string]float64{}
	for _, q := range qs {
		if v, ok := lowest[q.Directory]; !ok || q.perMinute() < v {
			lowest[q.Directory] = q.perMinute()
		}
	}
	rpm := func(dir string) int { return int(lowest[dir] * clientShare) }
	cfg.Directories.Okta.RequestsPerMinute = rpm("okta")
	cfg.Directories.Entra.RequestsPerMinute = rpm("entra")
	cfg.Directories.Google.RequestsPerMinute = rpm("google")
	for i, a := range cfg.SCIMApps {
		cfg.SCIMApps[i].RequestsPerMinute = rpm("scim:" + a.Name)
	}
}
