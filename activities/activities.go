// Package activities holds every lifecycle activity: one struct holding the
// integration clients, idempotent methods (already member / already disabled
// count as success and the output says which), typed Temporal errors mapped
// in one place (errors.go). Log lines carry the employee id, never an email
// or a name.
package activities

import (
	"context"
	"fmt"
	"strings"

	"github.com/rs/zerolog"
	"go.temporal.io/sdk/activity"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// Notifier is what the activities need from Slack; the worker adapts the
// Slack client to it. A nil Notifier means Slack is disabled.
type Notifier interface {
	NotifyUser(ctx context.Context, email, text string) error
	NotifyChannel(ctx context.Context, channel, text string) error
}

// People reads the HR record jml holds for an employee (the state of their
// Employee workflow). Every DM goes to the work email found there: a
// directory's login or email can be edited by its admins, HR's cannot.
type People interface {
	HRRecord(ctx context.Context, employeeID string) (rec domain.HRRecord, found bool, err error)
}

// Activities is the receiver of every activity.
type Activities struct {
	Directories map[string]directory.Directory // "entra", "okta", "google"
	Apps        map[string]directory.Directory // SCIM apps by name
	Notifier    Notifier                       // nil: Slack disabled
	Approvals   Approvals                      // nil: Slack disabled (elevation approvals)
	People      People                         // the HR work emails DMs go to; nil: no DM
	Catalog     domain.Catalog
	EvidenceDir string
	Logger      zerolog.Logger
	// Visibility and Namespace let the KPI report list the active Employee
	// workflows and elevations; nil: the report needs an employee list.
	Visibility Visibility
	Namespace  string
	// Holds and Released serve the mass-termination guard (activities/guard.go).
	Holds    HoldPoster
	Released HeldDeliverer
	// HR delivers the records of an accepted HR batch (activities/hrbatch.go).
	HR HRDeliverer
	// Reviews posts access-review DMs (activities/review.go); nil: Slack off.
	Reviews ReviewMessenger
	// Tasks DMs app owners their tasks (activities/apptask.go); nil: Slack off.
	Tasks TaskPoster
	// Sweeps posts the sweep's notices with buttons (activities/sweepnotice.go); nil: Slack off.
	Sweeps SweepPoster
	// AppModes are the catalog apps by provisioning mode (the app coverage KPI).
	AppModes []contract.AppModeEntry
}

func (a *Activities) dir(name string) (directory.Directory, error) {
	d, ok := a.Directories[name]
	if !ok || d == nil {
		return nil, badInput(fmt.Sprintf("directory %q is not configured", name))
	}
	return d, nil
}

func (a *Activities) app(name string) (directory.Directory, error) {
	d, ok := a.Apps[name]
	if !ok || d == nil {
		return nil, badInput(fmt.Sprintf("SCIM app %q is not configured", name))
	}
	return d, nil
}

func (a *Activities) log(ctx context.Context, employeeID, dir, step string) *zerolog.Event {
	ev := a.Logger.Info().Str("employee_id", employeeID).Str("directory", dir).Str("step", step)
	if activity.IsActivity(ctx) {
		ev = ev.Int32("attempt", activity.GetInfo(ctx).Attempt)
	}
	return ev
}

// account is the directory of a step on one existing account.
func (a *Activities) account(dir, accountID string) (directory.Directory, error) {
	d, err := a.dir(dir)
	if err != nil {
		return nil, err
	}
	if accountID == "" {
		return nil, badInput("account id is required")
	}
	return d, nil
}

// has reports whether the directory has the optional capability T
// (directory.GroupManager, ...): capabilities are small interfaces.
func has[T any](d directory.Directory) bool {
	_, ok := d.(T)
	return ok
}

// each applies fn to every target of the account in turn, heartbeating (a
// long list outlives the heartbeat timeout otherwise), and records one
// action per target.
func each(ctx context.Context, out *contract.StepOutput, accountID, kind, step string, targets []string, fn func(context.Context, string, string) (domain.Outcome, error)) error {
	for _, t := range targets {
		heartbeat(ctx, kind, t)
		o, err := fn(ctx, accountID, t)
		if err != nil {
			return temporalError(err)
		}
		out.Actions = append(out.Actions, contract.Action{Step: step, Target: t, Outcome: string(o)})
	}
	return nil
}

// PlanAccess evaluates the role catalog for the attributes and diffs it
// against what the catalog granted before.
func (a *Activities) PlanAccess(_ context.Context, in contract.PlanAccessInput) (contract.PlanAccessOutput, error) {
	e := a.Catalog.Evaluate(in.Attributes)
	return contract.PlanAccessOutput{Entitlements: e, Changes: domain.Diff(in.Granted, e)}, nil
}

// EnsureAccount finds or creates the account (disabled during lead time).
func (a *Activities) EnsureAccount(ctx context.Context, in contract.EnsureAccountInput) (contract.AccountOutput, error) {
	d, err := a.dir(in.Directory)
	if err != nil {
		return contract.AccountOutput{}, err
	}
	if in.Person.EmployeeID == "" || in.Person.Email == "" {
		return contract.AccountOutput{}, badInput("employee id and email are required to create an account")
	}
	acct, outcome, err := d.CreateUser(ctx, in.Person, in.Enabled)
	if err != nil {
		return contract.AccountOutput{}, temporalError(err)
	}
	a.log(ctx, in.Person.EmployeeID, in.Directory, "ensure account").Str("outcome", string(outcome)).Msg("account")
	return contract.AccountOutput{Directory: in.Directory, Found: true, AccountID: acct.ID, Enabled: acct.Enabled, Outcome: string(outcome), Synced: acct.OnPremisesSynced}, nil
}

// LookupAccount finds the account; not found is an answer, not an error.
func (a *Activities) LookupAccount(ctx context.Context, in contract.LookupAccountInput) (contract.AccountOutput, error) {
	d, err := a.dir(in.Directory)
	if err != nil {
		return contract.AccountOutput{}, err
	}
	acct, err := d.FindUser(ctx, in.EmployeeID, in.Email)
	if directory.IsNotFound(err) {
		return contract.AccountOutput{Directory: in.Directory}, nil
	}
	if err != nil {
		return contract.AccountOutput{}, temporalError(err)
	}
	return contract.AccountOutput{Directory: in.Directory, Found: true, AccountID: acct.ID, Enabled: acct.Enabled, Synced: acct.OnPremisesSynced}, nil
}

func (a *Activities) accountStep(ctx context.Context, in contract.AccountInput, step string, fn func(directory.Directory) (domain.Outcome, error)) (contract.StepOutput, error) {
	d, err := a.account(in.Directory, in.AccountID)
	if err != nil {
		return contract.StepOutput{}, err
	}
	o, err := fn(d)
	if err != nil {
		return contract.StepOutput{}, temporalError(err)
	}
	a.log(ctx, in.EmployeeID, in.Directory, step).Str("outcome", string(o)).Msg("done")
	return contract.StepOutput{Directory: in.Directory, Actions: []contract.Action{{Step: step, Outcome: string(o)}}}, nil
}

// EnableAccount enables the account (start date, rehire).
func (a *Activities) EnableAccount(ctx context.Context, in contract.AccountInput) (contract.StepOutput, error) {
	return a.accountStep(ctx, in, "enable", func(d directory.Directory) (domain.Outcome, error) { return d.Enable(ctx, in.AccountID) })
}

// DisableAccount blocks sign-in.
func (a *Activities) DisableAccount(ctx context.Context, in contract.AccountInput) (contract.StepOutput, error) {
	ctx = withWorkflowID(ctx)
	return a.accountStep(ctx, in, "disable", func(d directory.Directory) (domain.Outcome, error) { return d.Disable(ctx, in.AccountID) })
}

// RevokeSessions revokes sessions and refresh tokens where the directory can.
func (a *Activities) RevokeSessions(ctx context.Context, in contract.AccountInput) (contract.StepOutput, error) {
	return a.accountStep(ctx, in, "revoke sessions", func(d directory.Directory) (domain.Outcome, error) {
		sr, ok := d.(directory.SessionRevoker)
		if !ok {
			return "unsupported", nil
		}
		return sr.RevokeSessions(ctx, in.AccountID)
	})
}

// UpdateProfile writes the HR attributes to the account.
func (a *Activities) UpdateProfile(ctx context.Context, in contract.UpdateProfileInput) (contract.StepOutput, error) {
	return a.accountStep(ctx, contract.AccountInput{Directory: in.Directory, AccountID: in.AccountID, EmployeeID: in.Person.EmployeeID}, "update profile",
		func(d directory.Directory) (domain.Outcome, error) {
			return d.UpdateProfile(ctx, in.AccountID, in.Person)
		})
}

// SetManager resolves the manager by employee id in the same directory.
func (a *Activities) SetManager(ctx context.Context, in contract.SetManagerInput) (contract.StepOutput, error) {
	return a.accountStep(ctx, contract.AccountInput{Directory: in.Directory, AccountID: in.AccountID, EmployeeID: in.EmployeeID}, "set manager",
		func(d directory.Directory) (domain.Outcome, error) {
			ms, ok := d.(directory.ManagerSetter)
			if !ok {
				return "unsupported", nil
			}
			m, err := d.FindUser(ctx, in.ManagerEmployeeID, "")
			if directory.IsNotFound(err) {
				// HR sent the report before the manager: an answer, not a
				// failure. The Employee workflow sets it once the manager's
				// account exists.
				return domain.ManagerPending, nil
			}
			if err != nil {
				return "", err
			}
			return ms.SetManager(ctx, in.AccountID, m.ID)
		})
}

// ApplyAccess adds and removes groups and licenses for one directory. Only
// the names in the changes are touched.
func (a *Activities) ApplyAccess(ctx context.Context, in contract.ApplyAccessInput) (contract.StepOutput, error) {
	d, err := a.account(in.Directory, in.AccountID)
	if err != nil {
		return contract.StepOutput{}, err
	}
	out := contract.StepOutput{Directory: in.Directory}
	for _, c := range in.Changes {
		if c.Directory != in.Directory {
			return out, badInput(fmt.Sprintf("change for %q sent to %q", c.Directory, in.Directory))
		}
		var add, remove func(context.Context, string, string) (domain.Outcome, error)
		switch c.Kind {
		case domain.KindGroup:
			if g, ok := d.(directory.GroupManager); ok {
				add, remove = g.AddToGroup, g.RemoveFromGroup
			}
		case domain.KindLicense:
			if l, ok := d.(directory.LicenseManager); ok {
				add, remove = l.AssignLicense, l.RemoveLicense
			}
		default:
			return out, badInput(fmt.Sprintf("unknown access kind %q", c.Kind))
		}
		if add == nil {
			if len(c.Add)+len(c.Remove) == 0 {
				continue
			}
			// a catalog asking for what the system lacks is final
			return out, temporalError(directory.Unsupported(d.Name(), string(c.Kind)+"s"))
		}
		if err := each(ctx, &out, in.AccountID, string(c.Kind), "add "+string(c.Kind), c.Add, add); err != nil {
			return out, err
		}
		if err := each(ctx, &out, in.AccountID, string(c.Kind), "remove "+string(c.Kind), c.Remove, remove); err != nil {
			return out, err
		}
	}
	a.log(ctx, in.EmployeeID, in.Directory, "apply access").Int("actions", len(out.Actions)).Msg("done")
	return out, nil
}

// ProvisionApp finds or creates (and enables) the SCIM app account.
func (a *Activities) ProvisionApp(ctx context.Context, in contract.AppInput) (contract.StepOutput, error) {
	d, err := a.app(in.App)
	if err != nil {
		return contract.StepOutput{}, err
	}
	acct, o, err := d.CreateUser(ctx, in.Person, true)
	if err != nil {
		return contract.StepOutput{}, temporalError(err)
	}
	out := contract.StepOutput{Directory: "scim:" + in.App, Actions: []contract.Action{{Step: "provision app", Target: in.App, Outcome: string(o)}}}
	if !acct.Enabled {
		eo, err := d.Enable(ctx, acct.ID)
		if err != nil {
			return out, temporalError(err)
		}
		out.Actions = append(out.Actions, contract.Action{Step: "enable", Target: in.App, Outcome: string(eo)})
	}
	a.log(ctx, in.Person.EmployeeID, "scim:"+in.App, "provision app").Str("outcome", string(o)).Msg("done")
	return out, nil
}

// DeprovisionApp deactivates (or deletes, per app config) the SCIM account;
// no account is success.
func (a *Activities) DeprovisionApp(ctx context.Context, in contract.AppInput) (contract.StepOutput, error) {
	d, err := a.app(in.App)
	if err != nil {
		return contract.StepOutput{}, err
	}
	out := contract.StepOutput{Directory: "scim:" + in.App}
	acct, err := d.FindUser(ctx, in.Person.EmployeeID, in.Person.Email)
	if directory.IsNotFound(err) {
		out.Actions = append(out.Actions, contract.Action{Step: "deprovision app", Target: in.App, Outcome: string(domain.WasAbsent)})
		return out, nil
	}
	if err != nil {
		return out, temporalError(err)
	}
	var o domain.Outcome
	if fd, ok := d.(directory.FoundDisabler); ok {
		o, err = fd.DisableFound(ctx, acct) // just found: no second read
	} else {
		o, err = d.Disable(ctx, acct.ID)
	}
	if directory.IsNotFound(err) {
		o, err = domain.WasAbsent, nil
	}
	if err != nil {
		return out, temporalError(err)
	}
	out.Actions = append(out.Actions, contract.Action{Step: "deprovision app", Target: in.App, Outcome: string(o)})
	a.log(ctx, in.Person.EmployeeID, "scim:"+in.App, "deprovision app").Str("outcome", string(o)).Msg("done")
	return out, nil
}

// RemoveAllAccess removes every group membership, license and admin role the
// account holds, catalog-granted or not: the person has left.
func (a *Activities) RemoveAllAccess(ctx context.Context, in contract.AccountInput) (contract.StepOutput, error) {
	d, err := a.account(in.Directory, in.AccountID)
	if err != nil {
		return contract.StepOutput{}, err
	}
	out := contract.StepOutput{Directory: in.Directory}
	if rm, ok := d.(directory.AdminRoleManager); ok {
		roles, err := rm.ListAdminRoles(ctx, in.AccountID)
		if err != nil {
			return out, temporalError(err)
		}
		if err := revokeListedRoles(ctx, d, &out, in.AccountID, roles, rm); err != nil {
			return out, err
		}
	}
	if gm, ok := d.(directory.GroupManager); ok {
		groups, err := gm.ListGroups(ctx, in.AccountID)
		if err != nil {
			return out, temporalError(err)
		}
		remove := gm.RemoveFromGroup
		if lr, ok := d.(directory.ListedGroupRemover); ok {
			remove = lr.RemoveListedGroup // just listed: no membership re-read
		}
		if err := each(ctx, &out, in.AccountID, "group", "remove group", groups, remove); err != nil {
			return out, err
		}
	}
	if lm, ok := d.(directory.LicenseManager); ok {
		lic, err := lm.ListLicenses(ctx, in.AccountID)
		if err != nil {
			return out, temporalError(err)
		}
		remove := lm.RemoveLicense
		if lr, ok := d.(directory.ListedLicenseRemover); ok {
			remove = lr.RemoveListedLicense // just listed: no license re-read
		}
		if err := each(ctx, &out, in.AccountID, "license", "remove license", lic, remove); err != nil {
			return out, err
		}
	}
	a.log(ctx, in.EmployeeID, in.Directory, "remove access").Int("actions", len(out.Actions)).Msg("done")
	return out, nil
}

// RetireDevicesForUser retires every managed device of the account
// (registered as the RetireDevices activity).
func (a *Activities) RetireDevices(ctx context.Context, in contract.AccountInput) (contract.StepOutput, error) {
	d, err := a.account(in.Directory, in.AccountID)
	if err != nil {
		return contract.StepOutput{}, err
	}
	out := contract.StepOutput{Directory: in.Directory}
	dm, ok := d.(directory.DeviceManager)
	if !ok {
		out.Actions = append(out.Actions, contract.Action{Step: "retire devices", Outcome: "unsupported"})
		return out, nil
	}
	devs, err := listDevices(ctx, d, dm, in)
	if err != nil {
		return out, temporalError(err)
	}
	for _, dev := range devs {
		heartbeat(ctx, "device", dev.ID)
		if dev.Retired {
			out.Actions = append(out.Actions, contract.Action{Step: "retire device", Target: dev.ID, Outcome: string(domain.AlreadyRetired)})
			continue
		}
		var o domain.Outcome
		if lr, ok := d.(directory.ListedDeviceRetirer); ok {
			o, err = lr.RetireListedDevice(ctx, dev) // just listed: no device re-read
		} else {
			o, err = dm.RetireDevice(ctx, dev.ID)
		}
		if err != nil {
			return out, temporalError(err)
		}
		out.Actions = append(out.Actions, contract.Action{Step: "retire device", Target: dev.ID, Outcome: string(o)})
	}
	a.log(ctx, in.EmployeeID, in.Directory, "retire devices").Int("devices", len(devs)).Msg("done")
	return out, nil
}

// VerifyDisabled reads the account back: it must be disabled. Sessions are
// revoked once more (idempotent) so a token minted between disable and now
// does not survive; the directory API has no way to list sessions.
func (a *Activities) VerifyDisabled(ctx context.Context, in contract.AccountInput) (contract.VerifyOutput, error) {
	d, err := a.dir(in.Directory)
	if err != nil {
		return contract.VerifyOutput{}, err
	}
	out := contract.VerifyOutput{Directory: in.Directory}
	if ov, ok := d.(directory.OffboardVerifier); ok {
		return verifyOnce(ctx, ov, in)
	}
	acct, err := d.FindUser(ctx, in.EmployeeID, "")
	if err != nil {
		return out, temporalError(err)
	}
	if acct.ID != in.AccountID {
		return out, badInput(fmt.Sprintf("%s: employee %s resolves to a different account than the one offboarded", in.Directory, in.EmployeeID))
	}
	out.Disabled, out.Status = !acct.Enabled, acct.Status
	if !out.Disabled {
		// Retryable: directories are eventually consistent; the retry
		// policy gives it time before an operator is asked.
		return out, temporalErrorVerify(fmt.Sprintf("%s: account of employee %s still enabled (status %s)", in.Directory, in.EmployeeID, acct.Status))
	}
	if sc, ok := d.(directory.SessionChecker); ok {
		revoked, evidence, err := sc.SessionsRevokedSince(ctx, in.AccountID, in.Since)
		if err != nil {
			return out, temporalError(err)
		}
		out.Evidence = evidence
		if !revoked {
			return out, temporalErrorVerify(fmt.Sprintf("%s: sessions of employee %s not revoked yet (%s)", in.Directory, in.EmployeeID, evidence))
		}
		out.SessionsRevoked = true
		return out, nil
	}
	// No read-back in this system: revoke once more, so whatever signed in
	// since the revoke step is ended too.
	if sr, ok := d.(directory.SessionRevoker); ok {
		if _, err := sr.RevokeSessions(ctx, in.AccountID); err != nil {
			return out, temporalError(err)
		}
		out.Evidence = "revoked again (no read-back)"
	}
	out.SessionsRevoked = true
	return out, nil
}

// verifyOnce is VerifyDisabled in one read by the lane's account id, for
// directories whose status proves both guarantees.
func verifyOnce(ctx context.Context, ov directory.OffboardVerifier, in contract.AccountInput) (contract.VerifyOutput, error) {
	out := contract.VerifyOutput{Directory: in.Directory}
	acct, ended, evidence, err := ov.VerifyOffboarded(ctx, in.AccountID, in.Since)
	if err != nil {
		return out, temporalError(err)
	}
	out.Disabled, out.Status, out.Evidence = !acct.Enabled, acct.Status, evidence
	if !out.Disabled {
		return out, temporalErrorVerify(fmt.Sprintf("%s: account of employee %s still enabled (status %s)", in.Directory, in.EmployeeID, acct.Status))
	}
	if !ended {
		return out, temporalErrorVerify(fmt.Sprintf("%s: sessions of employee %s not revoked yet (%s)", in.Directory, in.EmployeeID, evidence))
	}
	out.SessionsRevoked = true
	return out, nil
}

// NotifyManager DMs the manager at the work email of the HR record jml
// holds for them.
func (a *Activities) NotifyManager(ctx context.Context, in contract.NotifyManagerInput) (contract.NotifyOutput, error) {
	return a.dm(ctx, "manager", in.ManagerEmployeeID, "", in.Text)
}

// NotifyEmployee DMs an employee (an elevation's requester) at the HR work
// email the workflow holds, else at the one of the HR record jml holds.
func (a *Activities) NotifyEmployee(ctx context.Context, in contract.NotifyEmployeeInput) (contract.NotifyOutput, error) {
	return a.dm(ctx, "employee", in.EmployeeID, in.Email, in.Text)
}

// dm sends the employee a Slack DM at their HR work email: email when the
// caller holds it, else the one of the HR record jml holds (People). No
// directory is asked: whoever administers one could point the notice at
// themselves.
func (a *Activities) dm(ctx context.Context, who, employeeID, email, text string) (contract.NotifyOutput, error) {
	if a.Notifier == nil {
		a.Logger.Info().Str("employee_id", employeeID).Str("recipient", who).Msg("slack disabled: notification not sent")
		return contract.NotifyOutput{Detail: "slack disabled"}, nil
	}
	if employeeID == "" && email == "" {
		return contract.NotifyOutput{}, badInput("employee id is required")
	}
	if email == "" && a.People != nil {
		rec, found, err := a.People.HRRecord(ctx, employeeID)
		if err != nil {
			return contract.NotifyOutput{}, temporalError(err)
		}
		if found {
			email = rec.Email
		}
	}
	if email = strings.TrimSpace(email); email == "" {
		a.Logger.Warn().Str("employee_id", employeeID).Str("recipient", who).Msg("no HR work email for the " + who + " in jml: notification not sent")
		return contract.NotifyOutput{Detail: "no HR record for the " + who + " in jml"}, nil
	}
	if err := a.Notifier.NotifyUser(ctx, email, text); err != nil {
		return contract.NotifyOutput{}, temporalError(err)
	}
	return contract.NotifyOutput{Delivered: true}, nil
}

// NotifyChannel posts to a channel (security alerts).
func (a *Activities) NotifyChannel(ctx context.Context, in contract.NotifyChannelInput) (contract.NotifyOutput, error) {
	if a.Notifier == nil {
		a.Logger.Warn().Str("channel", in.Channel).Msg("slack disabled: channel message not sent")
		return contract.NotifyOutput{Detail: "slack disabled"}, nil
	}
	if in.Channel == "" {
		return contract.NotifyOutput{}, badInput("channel is required")
	}
	if err := a.Notifier.NotifyChannel(ctx, in.Channel, in.Text); err != nil {
		return contract.NotifyOutput{}, temporalError(err)
	}
	return contract.NotifyOutput{Delivered: true}, nil
}
