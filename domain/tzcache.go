package domain

import (
	"sync"
	"time"
)

// zones caches time.LoadLocation, which reads the zone file from disk on
// every call: validating a 10,000-row export loaded it 10,000 times. Only
// zones that exist are kept (a few hundred at most), so bad input cannot
// grow it.
var zones sync.Map // name -> *time.Location

// loadLocation is time.LoadLocation, cached per valid name.
func loadLocation(name string) (*time.Location, error) {
	if v, ok := zones.Load(name); ok {
		return v.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err == nil {
		zones.Store(name, loc)
	}
	return loc, err
}
