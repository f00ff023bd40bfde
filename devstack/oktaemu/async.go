package oktaemu

import (
	"maps"
	"time"
)

// transitionLocked runs a lifecycle change as Okta does: at once when no
// TransitionTime is set, otherwise the user carries transitioningToStatus
// (and its old status) until the change completes in the background.
func (e *Emulator) transitionLocked(u *user, to string, done func(now time.Time)) {
	if e.cfg.TransitionTime <= 0 {
		done(time.Now())
		return
	}
	u.Transitioning = to
	time.AfterFunc(e.cfg.TransitionTime, func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.users[u.ID] != u {
			return // deleted meanwhile
		}
		now := time.Now()
		e.touchLocked(u, now)
		u.Transitioning = ""
		done(now)
	})
}

// touchLocked is called before every write to u. With a SearchLag, search
// keeps answering the state from before the write until the lag has passed
// since the latest write (a burst of writes shows the state before it).
func (e *Emulator) touchLocked(u *user, now time.Time) {
	if e.cfg.SearchLag <= 0 {
		return
	}
	if !now.Before(u.searchUntil) { // the live state was what search showed: freeze it
		c := *u
		c.Profile = maps.Clone(u.Profile)
		c.search = nil
		u.search = &c
	}
	u.searchUntil = now.Add(e.cfg.SearchLag)
}

// searchViewLocked is the user as search sees it now; nil when a new user
// is not indexed yet.
func (e *Emulator) searchViewLocked(u *user, now time.Time) *user {
	if e.cfg.SearchLag <= 0 || !now.Before(u.searchUntil) {
		return u
	}
	return u.search
}
