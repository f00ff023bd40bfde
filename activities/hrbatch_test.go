package activities

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktest "go.temporal.io/sdk/testsuite"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// orderSink records the order deliveries arrive in; the e2e tests deliver
// into real Employee workflows.
type orderSink struct {
	mu   sync.Mutex
	got  []string
	fail string
}

func (s *orderSink) Deliver(_ context.Context, r domain.HRRecord, deliveryID string) (string, error) {
	if r.EmployeeID == s.fail {
		return "", errors.New("temporal unavailable")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, r.EmployeeID+"/"+deliveryID)
	return "employee/" + r.EmployeeID, nil
}

func TestDeliverHRRecordsTerminationsFirst(t *testing.T) {
	in := contract.HRBatchInput{Concurrency: 1}
	for _, x := range []struct {
		id string
		s  domain.HRStatus
	}{{"E1", domain.HRActive}, {"E2", domain.HRTerminated}, {"E3", domain.HRPending}, {"E4", domain.HRTerminated}} {
		in.Items = append(in.Items, contract.HRBatchItem{Record: domain.HRRecord{EmployeeID: x.id, Status: x.s}, DeliveryID: "d-" + x.id})
	}
	sink := &orderSink{}
	var ts sdktest.WorkflowTestSuite
	env := ts.NewTestActivityEnvironment()
	a := &Activities{HR: sink}
	env.RegisterActivity(a.DeliverHRRecords)
	v, err := env.ExecuteActivity(a.DeliverHRRecords, in)
	require.NoError(t, err)
	var out contract.HRBatchResult
	require.NoError(t, v.Get(&out))
	assert.Equal(t, 4, out.Delivered)
	assert.Equal(t, []string{"E2/d-E2", "E4/d-E4", "E1/d-E1", "E3/d-E3"}, sink.got, "terminations first, each with its delivery id")

	sink = &orderSink{fail: "E3"}
	a.HR = sink
	_, err = env.ExecuteActivity(a.DeliverHRRecords, in)
	require.ErrorContains(t, err, "1 of 4 HR records not delivered yet")
	assert.Len(t, sink.got, 3, "the others are still delivered")
}
