package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/testsuite/harness"
)

// TestStartDateBroughtForwardProvisionsNow: HR first says the joiner starts
// in a month (nothing is created: the lead time is 72h), then brings the
// start date forward to today. The queued joiner follows the new date: the
// accounts are created, enabled, now, and nothing stays queued for the old
// date.
func TestStartDateBroughtForwardProvisionsNow(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{})
	emu := e.Emulators
	rec := e.Org.Joiners[2]
	rec.Status = domain.HRPending
	rec.StartDate = time.Now().In(rec.TimeZone()).AddDate(0, 1, 0).Format(time.DateOnly)
	rec.UpdatedAt = time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	sendHR(t, e, rec)
	eventually(t, e, rec.EmployeeID, "joiner queued for next month", func() (bool, string) {
		st := stateOf(e, rec.EmployeeID)
		return strings.Contains(st, `"pending-start"`) && strings.Contains(st, `"event": "joiner"`), st
	})
	_, ok := emu.Graph.UserByEmployeeID(rec.EmployeeID)
	assert.False(t, ok, "no Entra account a month before the start")

	moved := rec
	moved.StartDate = time.Now().In(rec.TimeZone()).Format(time.DateOnly)
	moved.UpdatedAt = time.Now().UTC().Truncate(time.Second)
	sendHR(t, e, moved)
	eventually(t, e, rec.EmployeeID, "joiner provisioned and enabled today", func() (bool, string) {
		gu, ok := emu.Graph.UserByEmployeeID(rec.EmployeeID)
		if !ok || !gu.AccountEnabled {
			return false, fmt.Sprintf("entra user found=%t", ok)
		}
		ou, ok := emu.Okta.UserByEmployeeNumber(rec.EmployeeID)
		if !ok || (ou.Status != "ACTIVE" && ou.Status != "PROVISIONED") {
			return false, fmt.Sprintf("okta user found=%t status %q", ok, ou.Status)
		}
		if u, ok := emu.Google.User(rec.Email); !ok || u.Suspended {
			return false, "google user"
		}
		st := stateOf(e, rec.EmployeeID)
		return strings.Contains(st, `"status": "active"`) && !strings.Contains(st, `"pending": [`), st
	})
}
