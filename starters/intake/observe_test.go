package intake

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/starters/importer"
)

// A webhook batch's outcome counts reach the import-rows metric.
func TestHRBatchCountsItsRows(t *testing.T) {
	var mu sync.Mutex
	got := map[string]int{}
	importer.SetObserver(func(outcome string, rows int) { mu.Lock(); got[outcome] += rows; mu.Unlock() })
	defer importer.SetObserver(nil)

	body := `{"records":[{"employee_id":"E1","email":"e1@demo.jml.test","given_name":"A","family_name":"B","status":"active"},` +
		`{"employee_id":"E2","email":"not-an-email","given_name":"A","family_name":"B","status":"active"}]}`
	s := newServer(&recordingSink{}, Options{})
	w := post(t, s.Handler(), body, signedAt(now, body))
	require.Equal(t, 207, w.Code, w.Body.String())
	mu.Lock()
	assert.Equal(t, map[string]int{importer.OutcomeDelivered: 1, importer.OutcomeQuarantined: 1}, got)
	mu.Unlock()
}
