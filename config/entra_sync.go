package config

import (
	"fmt"
	"slices"
	"time"

	"github.com/jml-dev/jml/contract"
)

// DefaultSyncWait is the default bound on the wait for Entra Connect: its
// delta sync runs every 30 minutes, so 40 leaves a cycle's slack.
const DefaultSyncWait = 40 * time.Minute

func (e *EntraDir) applySyncDefaults() {
	if e.SyncedFrom != "" && e.SyncWait == 0 {
		e.SyncWait = Duration(DefaultSyncWait)
	}
}

// entraSync checks directories.entra.synced_from and sync_wait: users synced
// from a directory jml does not run would never be disabled at their source.
func (v *validator) entraSync(c *Config, enabled []string) {
	e := c.Directories.Entra
	switch {
	case e.SyncedFrom == "":
		if e.SyncWait != 0 {
			v.add(0, "directories.entra.sync_wait", "is set but directories.entra.synced_from is not (the wait is for Entra Connect's sync)")
		}
		return
	case e.SyncedFrom != AD:
		v.add(0, "directories.entra.synced_from", fmt.Sprintf("%q is not a directory Entra Connect syncs from (expected %q)", e.SyncedFrom, AD))
		return
	case !e.Enabled:
		v.add(0, "directories.entra.synced_from", "is set but directories.entra is not enabled")
	case !slices.Contains(enabled, AD):
		v.add(0, "directories.entra.synced_from", "is \"ad\" but directories.ad is not enabled: synced users are disabled in AD, so jml must reach it (set directories.ad.enabled: true)")
	}
	if e.SyncWait < 0 {
		v.add(0, "directories.entra.sync_wait", "must be positive")
	}
	if w := e.SyncWait.D(); w > 0 && w < time.Second {
		v.add(0, "directories.entra.sync_wait", fmt.Sprintf("%s is shorter than a second", w))
	}
}

// entraSyncPolicy carries the sync settings into the workflows' policy.
func (c *Config) entraSyncPolicy(p *contract.Policy) {
	e := c.Directories.Entra
	if !e.Enabled || e.SyncedFrom == "" {
		return
	}
	p.EntraSyncedFrom = e.SyncedFrom
	p.EntraSyncWait = e.SyncWait.D()
	if p.EntraSyncWait <= 0 {
		p.EntraSyncWait = DefaultSyncWait
	}
}
