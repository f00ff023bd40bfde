package oktaemu

import "time"

// SetLogRetention makes the log API hold events for d only, as the vendor
// does (0: forever): an older event is never returned, whatever range is
// asked, so a test can show a capture that came too late.
func (e *Emulator) SetLogRetention(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.logKeep = d
}

// horizonLocked is the oldest instant the log still holds (zero: all).
func (e *Emulator) horizonLocked() time.Time {
	if e.logKeep <= 0 {
		return time.Time{}
	}
	return time.Now().Add(-e.logKeep)
}
