package activities

import "github.com/jml-dev/jml/contract"

// Register binds every activity to its contract handle: a method whose
// signature does not match its handle's input and output fails go build.
func (a *Activities) Register(r contract.Registry) {
	contract.Register(r, contract.PlanAccess, a.PlanAccess)
	contract.Register(r, contract.EnsureAccount, a.EnsureAccount)
	contract.Register(r, contract.LookupAccount, a.LookupAccount)
	contract.Register(r, contract.EnableAccount, a.EnableAccount)
	contract.Register(r, contract.UpdateProfile, a.UpdateProfile)
	contract.Register(r, contract.SetManager, a.SetManager)
	contract.Register(r, contract.ApplyAccess, a.ApplyAccess)
	contract.Register(r, contract.ProvisionApp, a.ProvisionApp)
	contract.Register(r, contract.DeprovisionApp, a.DeprovisionApp)
	contract.Register(r, contract.DisableAccount, a.DisableAccount)
	contract.Register(r, contract.RevokeSessions, a.RevokeSessions)
	contract.Register(r, contract.RemoveAllAccess, a.RemoveAllAccess)
	contract.Register(r, contract.RetireDevices, a.RetireDevices)
	contract.Register(r, contract.VerifyDisabled, a.VerifyDisabled)
	contract.Register(r, contract.AppendOffboardingLog, a.AppendOffboardingLog)
	contract.Register(r, contract.PostAppTask, a.PostAppTask)
	contract.Register(r, contract.AppendAppTaskLog, a.AppendAppTaskLog)
	contract.Register(r, contract.FindLogin, a.FindLogin)
	contract.Register(r, contract.MatchAccount, a.MatchAccount)
	contract.Register(r, contract.RecordLogin, a.RecordLogin)
	contract.Register(r, contract.PostHold, a.PostHold)
	contract.Register(r, contract.DeliverHeld, a.DeliverHeld)
	contract.Register(r, contract.QuarantineHeld, a.QuarantineHeld)
	contract.Register(r, contract.CountActiveForGuard, a.CountActiveForGuard)

	contract.Register(r, contract.NotifyManager, a.NotifyManager)
	contract.Register(r, contract.NotifyEmployee, a.NotifyEmployee)
	contract.Register(r, contract.NotifyChannel, a.NotifyChannel)

	contract.Register(r, contract.ResolvePerson, a.ResolvePerson)
	contract.Register(r, contract.CheckGates, a.CheckGates)
	contract.Register(r, contract.GrantAdminRole, a.GrantAdminRole)
	contract.Register(r, contract.RevokeAdminRole, a.RevokeAdminRole)
	contract.Register(r, contract.VerifyAdminRoleRevoked, a.VerifyAdminRoleRevoked)
	contract.Register(r, contract.PostApproval, a.PostApproval)
	contract.Register(r, contract.UpdateApprovalMessage, a.UpdateApprovalMessage)

	contract.Register(r, contract.ExportIdentityLog, a.ExportIdentityLog)
	contract.Register(r, contract.WriteIdentityLogManifest, a.WriteIdentityLogManifest)
	contract.Register(r, contract.ReadIdentityLogManifest, a.ReadIdentityLogManifest)
	contract.Register(r, contract.CaptureIdentityLog, a.CaptureIdentityLog)
	contract.Register(r, contract.SealIdentityLogMonth, a.SealIdentityLogMonth)
	contract.Register(r, contract.SealEvidenceMonth, a.SealEvidenceMonth)
	contract.Register(r, contract.ListActiveEmployees, a.ListActiveEmployees)
	contract.Register(r, contract.ListActiveElevations, a.ListActiveElevations)
	contract.Register(r, contract.AssessEmployees, a.AssessEmployees)
	contract.Register(r, contract.SummariseOffboarding, a.SummariseOffboarding)
	contract.Register(r, contract.ReadPrivilegedGroups, a.ReadPrivilegedGroups)
	contract.Register(r, contract.WriteKPIReport, a.WriteKPIReport)
	contract.Register(r, contract.SnapshotPolicies, a.SnapshotPolicies)
	contract.Register(r, contract.ReadPosture, a.ReadPosture)
	contract.Register(r, contract.AssessMFA, a.AssessMFA)
	contract.Register(r, contract.WriteActionPlan, a.WriteActionPlan)

	contract.Register(r, contract.DeliverHRRecords, a.DeliverHRRecords)
	a.registerReviews(r)

	contract.Register(r, contract.ListHRPopulation, a.ListHRPopulation)
	contract.Register(r, contract.SweepInventory, a.SweepInventory)
	contract.Register(r, contract.DisableOrphanAccount, a.DisableOrphanAccount)
	contract.Register(r, contract.DeleteAccount, a.DeleteAccount)
	contract.Register(r, contract.WriteSweepEvidence, a.WriteSweepEvidence)
	contract.Register(r, contract.PostSweepNotice, a.PostSweepNotice)
	contract.Register(r, contract.AppendSweepDecision, a.AppendSweepDecision)

	contract.Register(r, contract.SnapshotAccess, a.SnapshotAccess)
}
