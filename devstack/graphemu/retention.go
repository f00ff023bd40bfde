package graphemu

import "time"

// SetLogRetention makes auditLogs hold sign-ins and directory audits for d
// only, as Entra ID does (7 days on Free, 30 on P1/P2; 0: forever): an
// older record is never returned, whatever $filter asks.
func (e *Emulator) SetLogRetention(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.logKeep = d
}

// retained drops the records older than the retention horizon (the
// emulator's clock, test skew included). The read lock is held.
func retained[T any](e *Emulator, items []*T, at func(*T) time.Time) []*T {
	if e.logKeep <= 0 {
		return items
	}
	h := e.nowLocked().Add(-e.logKeep)
	out := items[:0:0]
	for _, it := range items {
		if !at(it).Before(h) {
			out = append(out, it)
		}
	}
	return out
}
