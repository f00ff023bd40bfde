package samba

import (
	"context"
	"sync"
)

var (
	sharedMu sync.Mutex
	shared   []*DC
)

// Track remembers dc so StopAll stops it; harness Envs and TestMains use it.
func Track(dc *DC) {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	shared = append(shared, dc)
}

// StartTracked is Start, with the DC stopped by StopAll.
func StartTracked(ctx context.Context) (*DC, error) {
	dc, err := Start(ctx)
	if err == nil {
		Track(dc)
	}
	return dc, err
}

// StopAll stops every tracked DC and removes the process's template: what
// a TestMain calls after m.Run.
func StopAll() {
	sharedMu.Lock()
	dcs := shared
	shared = nil
	sharedMu.Unlock()
	for _, dc := range dcs {
		dc.Stop()
	}
	CleanupTemplate()
}
