package workflows_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	sdktest "go.temporal.io/sdk/testsuite"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/workflows"
)

// hybridPolicy: Entra's users are synced from AD, whose lane runs beside it.
func hybridPolicy() contract.Policy {
	return contract.Policy{Directories: []string{"ad", "entra"}, LeaverSLA: time.Hour, SecurityChannel: "#security-alerts",
		EntraSyncedFrom: "ad", EntraSyncWait: 40 * time.Minute, DefaultUsageLocation: "US", RetireDevices: true}
}

type hybridRun struct {
	env   *sdktest.TestWorkflowEnvironment
	stubs *stubActivities
}

func newHybridRun(t *testing.T) *hybridRun {
	var ts sdktest.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.SetStartTime(t0)
	workflows.Register(env)
	stubs := newStubs(testCatalog())
	stubs.register(env)
	env.OnUpsertTypedSearchAttributes(mock.Anything).Return(nil)
	return &hybridRun{env, stubs}
}

// syncEvery runs an emulated Entra Connect cycle every interval: Entra's
// synced account takes AD's state (created, enabled or disabled).
func (h *hybridRun) syncEvery(interval time.Duration, until time.Duration, emp string) {
	for d := interval; d <= until; d += interval {
		h.env.RegisterDelayedCallback(func() {
			h.stubs.mu.Lock()
			defer h.stubs.mu.Unlock()
			if en, ok := h.stubs.enabled["ad/"+emp]; ok {
				h.stubs.enabled["entra/"+emp] = en
				h.stubs.synced["entra/"+emp] = true
			}
		}, d)
	}
}

func (h *hybridRun) employed(emp string) {
	h.stubs.enabled["ad/"+emp] = true
	h.stubs.enabled["entra/"+emp] = true
	h.stubs.synced["entra/"+emp] = true
}

func lane(res contract.LifecycleResult, dir string) contract.DirectoryResult {
	for _, d := range res.Directories {
		if d.Directory == dir {
			return d
		}
	}
	return contract.DirectoryResult{}
}

func (h *hybridRun) leaver(t *testing.T, emp string) contract.LifecycleResult {
	h.env.ExecuteWorkflow(workflows.LeaverWorkflow, contract.LeaverInput{EmployeeID: emp, Record: rec(terminated(t0)), EffectiveAt: t0,
		Policy: hybridPolicy(), Accounts: map[string]string{"ad": "ad/" + emp, "entra": "entra/" + emp}})
	require.True(t, h.env.IsWorkflowCompleted())
	require.NoError(t, h.env.GetWorkflowError())
	var res contract.LifecycleResult
	require.NoError(t, h.env.GetWorkflowResult(&res))
	return res
}

// mastered lists the calls that write an attribute AD masters in Entra.
func (h *hybridRun) masteredWrites() []call {
	var out []call
	for _, name := range []string{contract.DisableAccount.Name, contract.EnableAccount.Name, contract.SetManager.Name, contract.EnsureAccount.Name} {
		for _, c := range h.stubs.callsOf(name) {
			if c.Lane == "entra" {
				out = append(out, c)
			}
		}
	}
	for _, c := range h.stubs.callsOf(contract.UpdateProfile.Name) {
		p := c.In.(contract.UpdateProfileInput).Person
		if c.Lane == "entra" && (p != domain.Person{EmployeeID: p.EmployeeID, UsageLocation: p.UsageLocation}) {
			out = append(out, c)
		}
	}
	return out
}

func TestSyncedLeaverIsDisabledInADThenWaitsForTheSyncAndVerifies(t *testing.T) {
	h := newHybridRun(t)
	h.employed("E0042")
	h.syncEvery(30*time.Minute, 2*time.Hour, "E0042") // Entra Connect's cycle
	h.env.RegisterDelayedCallback(func() {
		require.False(t, h.stubs.enabled["ad/E0042"], "AD disabled at once")
		require.True(t, h.stubs.enabled["entra/E0042"], "Entra still enabled before the sync")
		require.Equal(t, 1, h.stubs.count(contract.RevokeSessions.Name, "entra"), "sessions revoked in Entra at once")
	}, 29*time.Minute)
	res := h.leaver(t, "E0042")

	require.Empty(t, h.masteredWrites(), "no write of an AD-mastered attribute in Entra")
	require.Equal(t, 1, h.stubs.count(contract.DisableAccount.Name, "ad"))
	entra := lane(res, "entra")
	require.True(t, entra.Verified, "%+v", entra)
	require.True(t, lane(res, "ad").Verified)
	require.False(t, h.stubs.enabled["entra/E0042"])
	require.Equal(t, 2, h.stubs.count(contract.RevokeSessions.Name, "entra"), "once at once, once after the sync")
	require.Equal(t, 1, h.stubs.count(contract.RemoveAllAccess.Name, "entra"), "cloud groups, licences and roles removed in Entra")
	i := slices.IndexFunc(entra.Actions, func(a contract.Action) bool { return a.Step == "wait for sync" })
	require.GreaterOrEqual(t, i, 0, "%+v", entra.Actions)
	require.Contains(t, entra.Actions[i].Outcome, "synced from ad after 30m0s")
	require.Equal(t, string(domain.MasteredOnPremises)+" (done in ad; Entra Connect syncs it)", entra.Actions[0].Outcome)
	require.True(t, res.SLAMet)
	require.False(t, res.SLABreached)
	// a read per poll (a minute in the default 40m bound), not a tight loop
	reads := h.stubs.count(contract.LookupAccount.Name, "entra")
	require.Greater(t, reads, 25)
	require.Less(t, reads, 35)
}

func TestSyncSlowerThanTheSLABreachesAndAlertsThenVerifies(t *testing.T) {
	h := newHybridRun(t)
	h.employed("E0042")
	// The sync is stuck for 70 minutes (past the 1h SLA, inside a 2h bound).
	p := hybridPolicy()
	p.EntraSyncWait = 2 * time.Hour
	h.syncEvery(70*time.Minute, 3*time.Hour, "E0042")
	h.env.ExecuteWorkflow(workflows.LeaverWorkflow, contract.LeaverInput{EmployeeID: "E0042", Record: rec(terminated(t0)), EffectiveAt: t0,
		Policy: p, Accounts: map[string]string{"ad": "ad/E0042", "entra": "entra/E0042"}})
	require.NoError(t, h.env.GetWorkflowError())
	var res contract.LifecycleResult
	require.NoError(t, h.env.GetWorkflowResult(&res))

	require.True(t, res.SLABreached)
	require.False(t, res.SLAMet)
	alerts := h.stubs.messages("channel:#security-alerts")
	require.True(t, slices.ContainsFunc(alerts, func(m string) bool { return strings.Contains(m, "SLA BREACHED") && strings.Contains(m, "E0042") }), "%v", alerts)
	require.True(t, lane(res, "entra").Verified, "the work went on and the sync was verified")
	require.Empty(t, h.masteredWrites())
}

func TestSyncNeverArrivingBlocksTheLaneForAnOperatorAfterTheBound(t *testing.T) {
	h := newHybridRun(t)
	h.employed("E0042")
	// No sync at all: after 40m the lane blocks; the operator skips it.
	h.env.RegisterDelayedCallback(func() {
		alerts := h.stubs.messages("channel:#security-alerts")
		require.True(t, slices.ContainsFunc(alerts, func(m string) bool {
			return strings.Contains(m, "is blocked") && strings.Contains(m, "entra still shows the account enabled after 40m0s: Entra Connect has not synced it from ad")
		}), "%v", alerts)
		h.env.UpdateWorkflow(contract.UpdateSkip, "skip-1", &sdktest.TestUpdateCallback{OnReject: func(err error) { t.Error(err) }, OnAccept: func() {}, OnComplete: func(any, error) {}},
			contract.OperatorDecision{Directory: "entra", Operator: "alice", Reason: "Entra Connect server down"})
	}, 45*time.Minute)
	res := h.leaver(t, "E0042")
	entra := lane(res, "entra")
	require.Equal(t, domain.ResultSkipped, entra.Result)
	require.Contains(t, entra.Skipped, "wait for sync")
	require.False(t, entra.Verified)
	require.Len(t, res.Decisions, 1)
	require.Empty(t, h.masteredWrites())
}

func TestSyncedJoinerIsCreatedInADAndEntraWaitsForTheSync(t *testing.T) {
	h := newHybridRun(t)
	h.syncEvery(30*time.Minute, 2*time.Hour, "E0042")
	h.env.ExecuteWorkflow(workflows.JoinerWorkflow, contract.JoinerInput{EmployeeID: "E0042", Record: rec(), Policy: hybridPolicy(), Enable: true})
	require.NoError(t, h.env.GetWorkflowError())
	var res contract.LifecycleResult
	require.NoError(t, h.env.GetWorkflowResult(&res))

	require.Empty(t, h.masteredWrites(), "Entra creates, enables and names nothing: AD does")
	require.Equal(t, 1, h.stubs.count(contract.EnsureAccount.Name, "ad"))
	require.Equal(t, "entra/E0042", res.Accounts["entra"])
	require.Equal(t, []string{"all-staff", "dept-engineering"}, h.stubs.groupsOf("entra", "E0042"), "the cloud's groups added once synced")
	ups := h.stubs.callsOf(contract.UpdateProfile.Name)
	require.Len(t, ups, 1)
	require.Equal(t, domain.Person{EmployeeID: "E0042", UsageLocation: "US"}, ups[0].In.(contract.UpdateProfileInput).Person, "only the usage location, for licensing")
	require.Contains(t, lane(res, "entra").Actions[0].Outcome, "synced from ad after 30m0s")
}

func TestSyncedMoverWritesOnlyCloudAccessInEntra(t *testing.T) {
	h := newHybridRun(t)
	h.employed("E0042")
	old := rec()
	moved := rec(func(r *domain.HRRecord) {
		r.Department = "Sales"
		r.Title = "Account Executive"
		r.ManagerEmployeeID = "E0009"
	})
	granted := domain.Entitlements{Groups: map[string][]string{"entra": {"all-staff", "dept-engineering"}}}
	h.stubs.setGroups("entra", "E0042", "all-staff", "dept-engineering")
	h.env.ExecuteWorkflow(workflows.MoverWorkflow, contract.MoverInput{EmployeeID: "E0042", Old: old, New: moved, Policy: hybridPolicy(),
		Accounts: map[string]string{"ad": "ad/E0042", "entra": "entra/E0042"}, Granted: granted})
	require.NoError(t, h.env.GetWorkflowError())
	var res contract.LifecycleResult
	require.NoError(t, h.env.GetWorkflowResult(&res))

	require.Empty(t, h.masteredWrites(), "profile and manager are AD's")
	require.Equal(t, 1, h.stubs.count(contract.SetManager.Name, "ad"))
	require.Equal(t, []string{"all-staff", "dept-sales"}, h.stubs.groupsOf("entra", "E0042"))
	steps := map[string]string{}
	for _, a := range lane(res, "entra").Actions {
		steps[a.Step] = a.Outcome
	}
	require.Contains(t, steps["set manager"], string(domain.MasteredOnPremises))
}
