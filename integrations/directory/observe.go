package directory

import (
	"sync/atomic"
	"time"
)

// Observer hears what every named limiter sees: a 429 answered, and how
// long a call waited for its turn. The metrics package implements it;
// integrations know no metrics library. Labels are directory names only.
type Observer interface {
	Throttled(directory string)
	Waited(directory string, d time.Duration)
}

var observer atomic.Pointer[Observer]

// SetObserver installs o for every limiter of this process (nil removes it).
func SetObserver(o Observer) {
	if o == nil {
		observer.Store(nil)
		return
	}
	observer.Store(&o)
}

func currentObserver() Observer {
	if p := observer.Load(); p != nil {
		return *p
	}
	return nil
}

// Named gives the limiter the directory name its observations carry
// ("okta", "scim:github"); an unnamed limiter reports nothing.
func (l *Limiter) Named(name string) *Limiter {
	if l != nil {
		l.name = name
	}
	return l
}

func (l *Limiter) observeWait(d time.Duration) {
	if o := currentObserver(); o != nil && l != nil && l.name != "" {
		o.Waited(l.name, d)
	}
}

func (l *Limiter) observeStatus(status int) {
	if o := currentObserver(); o != nil && l != nil && l.name != "" && status == 429 {
		o.Throttled(l.name)
	}
}
