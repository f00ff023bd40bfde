package burst

import (
	"context"
	"testing"
	"time"

	"github.com/jml-dev/jml/config"
)

// The client budget sits under every quota of its directory, and scaled is
// published sped up with the same ratios.
func TestBudgetsStayUnderTheQuotas(t *testing.T) {
	apps := []string{"github"}
	pub, err := quotas("published", apps)
	if err != nil {
		t.Fatal(err)
	}
	sc, _ := quotas("scaled", apps)
	cfg := &config.Config{SCIMApps: []config.SCIMApp{{Name: "github"}}}
	clientBudgets(pub, cfg)
	budget := map[string]int{"okta": cfg.Directories.Okta.RequestsPerMinute, "entra": cfg.Directories.Entra.RequestsPerMinute,
		"google": cfg.Directories.Google.RequestsPerMinute, "scim:github": cfg.SCIMApps[0].RequestsPerMinute}
	for i, q := range pub {
		if b := budget[q.Directory]; b <= 0 || float64(b) >= q.perMinute() {
			t.Errorf("%s %s: client budget %d/min not under the quota %.0f/min", q.Directory, q.Family, b, q.perMinute())
		}
		if sc[i].Limit.Requests != q.Limit.Requests*ScaledFactor || sc[i].Limit.Window != q.Limit.Window {
			t.Errorf("%s %s: scaled %+v is not published %+v x %d", q.Directory, q.Family, sc[i].Limit, q.Limit, ScaledFactor)
		}
		if q.Source == "" {
			t.Errorf("%s %s: no source", q.Directory, q.Family)
		}
	}
	if _, err := quotas("fast", apps); err == nil {
		t.Error("an unknown mode was accepted")
	}
}

// A small burst at scaled limits: every leaver verified in every
// directory, no SLA breach, and the calls counted per directory.
func TestSmallBurst(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	rep, err := Run(ctx, Options{Leavers: 3, Limits: "scaled", Timeout: 3 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if rep.SLABreaches != 0 || rep.Unverified != 0 {
		t.Fatalf("breaches %d, unverified lanes %d", rep.SLABreaches, rep.Unverified)
	}
	seen := map[string]bool{}
	for _, d := range rep.Directories {
		seen[d.Directory] = true
		if d.CallsPerLeaver < d.MinPerLeaver {
			t.Errorf("%s: %.1f calls a leaver, under the minimum the guarantees need (%.1f): the count or the minimum is wrong", d.Directory, d.CallsPerLeaver, d.MinPerLeaver)
		}
	}
	for _, d := range []string{"entra", "okta", "google"} {
		if !seen[d] {
			t.Errorf("no calls counted for %s: %+v", d, rep.Directories)
		}
	}
	if rep.Floor <= 0 || rep.Ratio <= 0 || rep.HistoryEventsPerLeaver <= 0 {
		t.Errorf("floor %s, ratio %.2f, history events %.1f: not measured", rep.Floor, rep.Ratio, rep.HistoryEventsPerLeaver)
	}
	if b := rep.Binding; b == nil || b.Partial || b.Calls == 0 || b.Used <= 0 || b.Last < b.First {
		t.Errorf("the binding quota's spend is not read from the whole log: %+v", rep.Binding)
	}
}

// The floor and the binding quota's spend count what the emulator meters:
// Graph's write quota counts identity writes, not reads and not Intune's,
// which has its own quota; Okta's users bucket counts only users calls.
func TestQuotasMeterAsTheEmulatorDoes(t *testing.T) {
	qs, _ := quotas("published", []string{"github"})
	find := func(dir, fam string) quota {
		for _, q := range qs {
			if q.Directory == dir && q.Family == fam {
				return q
			}
		}
		t.Fatalf("no %s %s quota", dir, fam)
		return quota{}
	}
	writes := find("entra", "all")
	cases := []struct {
		q      quota
		family string
		write  bool
		want   bool
	}{
		{writes, "users", true, true},
		{writes, "users", false, false},
		{writes, "deviceManagement", true, false},
		{find("entra", "deviceManagement"), "deviceManagement", true, true},
		{find("okta", "users"), "users", false, true},
		{find("okta", "users"), "groups", false, false},
		{find("google", "all"), "tokens", false, true},
	}
	for _, c := range cases {
		if got := c.q.meters(qs, c.family, c.write); got != c.want {
			t.Errorf("%s %s meters %s (write %v) = %v, want %v", c.q.Directory, c.q.Family, c.family, c.write, got, c.want)
		}
	}
}
