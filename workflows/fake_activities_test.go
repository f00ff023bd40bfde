package workflows_test

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// stubActivities are the mocked activities of the workflow tests: each call
// is recorded, a tiny in-memory directory state is kept so tests can assert
// on what the workflows did, and failures can be scripted per activity and
// lane. They never touch a real system (those tests live in activities/).
type stubActivities struct {
	mu      sync.Mutex
	catalog domain.Catalog
	calls   []call
	fail    map[string]int             // "Activity/lane" -> failures left (permanent)
	flaky   map[string]int             // "Activity/lane" -> failures left (transient, retryable)
	enabled map[string]bool            // "dir/employee" -> account enabled
	groups  map[string]map[string]bool // "dir/employee" -> groups (catalog or not)
	apps    map[string]bool            // "scim:app/employee" -> app account active
	// noManager: "dir/manager" has no account yet; managers: account -> manager set
	noManager map[string]bool
	managers  map[string]string
	logRows   []contract.OffboardingLogInput
	synced    map[string]bool     // "dir/employee" synced from AD (onPremisesSyncEnabled)
	texts     map[string][]string // "manager:<id>" or "channel:<name>" -> messages
}

type call struct {
	Name, Lane string
	In         any
}

func newStubs(c domain.Catalog) *stubActivities {
	return &stubActivities{catalog: c, fail: map[string]int{}, flaky: map[string]int{}, enabled: map[string]bool{}, groups: map[string]map[string]bool{}, apps: map[string]bool{}, noManager: map[string]bool{}, managers: map[string]string{}, texts: map[string][]string{}, synced: map[string]bool{}}
}

type registrar interface {
	RegisterActivityWithOptions(a any, options activity.RegisterOptions)
}

func (s *stubActivities) record(name, lane string, in any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, call{name, lane, in})
	k := name + "/" + lane
	if s.fail[k] > 0 {
		s.fail[k]--
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s %s: Permanent (HTTP 403 Authorization_RequestDenied): forbidden", lane, name), string(domain.ErrDirectoryPermanent), nil)
	}
	if s.flaky[k] > 0 {
		s.flaky[k]--
		return temporal.NewApplicationError(fmt.Sprintf("%s %s: Transient (HTTP 502)", lane, name), string(domain.ErrDirectoryTransient))
	}
	return nil
}

func (s *stubActivities) count(name, lane string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if c.Name == name && (lane == "" || c.Lane == lane) {
			n++
		}
	}
	return n
}

func (s *stubActivities) callsOf(name string) []call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []call
	for _, c := range s.calls {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

func (s *stubActivities) groupsOf(dir, emp string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for g := range s.groups[dir+"/"+emp] {
		out = append(out, g)
	}
	slices.Sort(out)
	return out
}

func (s *stubActivities) setGroups(dir, emp string, gs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[string]bool{}
	for _, g := range gs {
		m[g] = true
	}
	s.groups[dir+"/"+emp] = m
}

func (s *stubActivities) register(r registrar) {
	fns := map[string]any{}
	reg := func(name string, fn any) {
		fns[name] = fn
		r.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
	}
	defer s.registerLane(reg, fns)
	reg(contract.PlanAccess.Name, func(_ context.Context, in contract.PlanAccessInput) (contract.PlanAccessOutput, error) {
		if err := s.record(contract.PlanAccess.Name, "catalog", in); err != nil {
			return contract.PlanAccessOutput{}, err
		}
		e := s.catalog.Evaluate(in.Attributes)
		return contract.PlanAccessOutput{Entitlements: e, Changes: domain.Diff(in.Granted, e)}, nil
	})
	reg(contract.EnsureAccount.Name, func(_ context.Context, in contract.EnsureAccountInput) (contract.AccountOutput, error) {
		if err := s.record(contract.EnsureAccount.Name, in.Directory, in); err != nil {
			return contract.AccountOutput{}, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		k := in.Directory + "/" + in.Person.EmployeeID
		out := contract.AccountOutput{Directory: in.Directory, Found: true, AccountID: k}
		if en, ok := s.enabled[k]; ok {
			out.Enabled, out.Outcome = en, "already_existed"
			return out, nil
		}
		s.enabled[k] = in.Enabled
		out.Enabled, out.Outcome = in.Enabled, "created"
		return out, nil
	})
	reg(contract.LookupAccount.Name, func(_ context.Context, in contract.LookupAccountInput) (contract.AccountOutput, error) {
		if err := s.record(contract.LookupAccount.Name, in.Directory, in); err != nil {
			return contract.AccountOutput{}, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		k := in.Directory + "/" + in.EmployeeID
		en, ok := s.enabled[k]
		if !ok {
			return contract.AccountOutput{Directory: in.Directory}, nil
		}
		return contract.AccountOutput{Directory: in.Directory, Found: true, AccountID: k, Enabled: en, Synced: s.synced[k]}, nil
	})
	setEnabled := func(name string, v bool, outcome string) {
		reg(name, func(_ context.Context, in contract.AccountInput) (contract.StepOutput, error) {
			if err := s.record(name, in.Directory, in); err != nil {
				return contract.StepOutput{}, err
			}
			s.mu.Lock()
			s.enabled[in.AccountID] = v
			s.mu.Unlock()
			return contract.StepOutput{Directory: in.Directory, Actions: []contract.Action{{Step: name, Outcome: outcome}}}, nil
		})
	}
	setEnabled(contract.EnableAccount.Name, true, "enabled")
	setEnabled(contract.DisableAccount.Name, false, "disabled")
	for _, name := range []string{contract.RevokeSessions.Name, contract.RetireDevices.Name} {
		reg(name, func(_ context.Context, in contract.AccountInput) (contract.StepOutput, error) {
			if err := s.record(name, in.Directory, in); err != nil {
				return contract.StepOutput{}, err
			}
			return contract.StepOutput{Directory: in.Directory, Actions: []contract.Action{{Step: name, Outcome: "done"}}}, nil
		})
	}
	reg(contract.RemoveAllAccess.Name, func(_ context.Context, in contract.AccountInput) (contract.StepOutput, error) {
		if err := s.record(contract.RemoveAllAccess.Name, in.Directory, in); err != nil {
			return contract.StepOutput{}, err
		}
		s.mu.Lock()
		delete(s.groups, in.AccountID)
		s.mu.Unlock()
		return contract.StepOutput{Directory: in.Directory, Actions: []contract.Action{{Step: "remove access", Outcome: "removed"}}}, nil
	})
	reg(contract.UpdateProfile.Name, func(_ context.Context, in contract.UpdateProfileInput) (contract.StepOutput, error) {
		return contract.StepOutput{Directory: in.Directory}, s.record(contract.UpdateProfile.Name, in.Directory, in)
	})
	reg(contract.SetManager.Name, func(_ context.Context, in contract.SetManagerInput) (contract.StepOutput, error) {
		if err := s.record(contract.SetManager.Name, in.Directory, in); err != nil {
			return contract.StepOutput{}, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		outcome := string(domain.Updated)
		if s.noManager[in.Directory+"/"+in.ManagerEmployeeID] {
			outcome = string(domain.ManagerPending)
		} else {
			s.managers[in.AccountID] = in.ManagerEmployeeID
		}
		return contract.StepOutput{Directory: in.Directory, Actions: []contract.Action{{Step: "set manager", Outcome: outcome}}}, nil
	})
	reg(contract.ApplyAccess.Name, func(_ context.Context, in contract.ApplyAccessInput) (contract.StepOutput, error) {
		if err := s.record(contract.ApplyAccess.Name, in.Directory, in); err != nil {
			return contract.StepOutput{}, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		m := s.groups[in.AccountID]
		if m == nil {
			m = map[string]bool{}
			s.groups[in.AccountID] = m
		}
		for _, c := range in.Changes {
			if c.Kind != "group" {
				continue
			}
			for _, g := range c.Add {
				m[g] = true
			}
			for _, g := range c.Remove {
				delete(m, g)
			}
		}
		return contract.StepOutput{Directory: in.Directory}, nil
	})
	reg(contract.ProvisionApp.Name, func(_ context.Context, in contract.AppInput) (contract.StepOutput, error) {
		if err := s.record(contract.ProvisionApp.Name, "scim:"+in.App, in); err != nil {
			return contract.StepOutput{}, err
		}
		s.mu.Lock()
		s.apps["scim:"+in.App+"/"+in.Person.EmployeeID] = true
		s.mu.Unlock()
		return contract.StepOutput{Directory: "scim:" + in.App}, nil
	})
	reg(contract.DeprovisionApp.Name, func(_ context.Context, in contract.AppInput) (contract.StepOutput, error) {
		if err := s.record(contract.DeprovisionApp.Name, "scim:"+in.App, in); err != nil {
			return contract.StepOutput{}, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		k := "scim:" + in.App + "/" + in.Person.EmployeeID
		outcome := string(domain.WasAbsent)
		if s.apps[k] {
			outcome = string(domain.Disabled)
			s.apps[k] = false
		}
		return contract.StepOutput{Directory: "scim:" + in.App, Actions: []contract.Action{{Step: "deprovision app", Target: in.App, Outcome: outcome}}}, nil
	})
	reg(contract.VerifyDisabled.Name, func(_ context.Context, in contract.AccountInput) (contract.VerifyOutput, error) {
		if err := s.record(contract.VerifyDisabled.Name, in.Directory, in); err != nil {
			return contract.VerifyOutput{}, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return contract.VerifyOutput{Directory: in.Directory, Disabled: !s.enabled[in.AccountID], SessionsRevoked: true}, nil
	})
	reg(contract.NotifyManager.Name, func(_ context.Context, in contract.NotifyManagerInput) (contract.NotifyOutput, error) {
		s.mu.Lock()
		s.texts["manager:"+in.ManagerEmployeeID] = append(s.texts["manager:"+in.ManagerEmployeeID], in.Text)
		s.mu.Unlock()
		return contract.NotifyOutput{Delivered: true}, s.record(contract.NotifyManager.Name, "slack", in)
	})
	reg(contract.NotifyChannel.Name, func(_ context.Context, in contract.NotifyChannelInput) (contract.NotifyOutput, error) {
		s.mu.Lock()
		s.texts["channel:"+in.Channel] = append(s.texts["channel:"+in.Channel], in.Text)
		s.mu.Unlock()
		return contract.NotifyOutput{Delivered: true}, s.record(contract.NotifyChannel.Name, "slack", in)
	})
	reg(contract.AppendOffboardingLog.Name, func(_ context.Context, in contract.OffboardingLogInput) (contract.OffboardingLogOutput, error) {
		if err := s.record(contract.AppendOffboardingLog.Name, "evidence", in); err != nil {
			return contract.OffboardingLogOutput{}, err
		}
		s.mu.Lock()
		s.logRows = append(s.logRows, in)
		s.mu.Unlock()
		return contract.OffboardingLogOutput{Appended: true}, nil
	})
}

func (s *stubActivities) messages(key string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.texts[key])
}

// setNoManager says whether manager has an account in dir yet.
func (s *stubActivities) setNoManager(dir, manager string, missing bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noManager[dir+"/"+manager] = missing
}

func (s *stubActivities) managerOf(accountID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.managers[accountID]
}

// registerLane registers the leaver's three-step lane activities as the
// single steps they stand for, so a test counting or failing
// "DisableAccount/okta" sees the same calls on either path.
func (s *stubActivities) registerLane(reg func(string, any), fns map[string]any) {
	type accountStep = func(context.Context, contract.AccountInput) (contract.StepOutput, error)
	lookup := fns[contract.LookupAccount.Name].(func(context.Context, contract.LookupAccountInput) (contract.AccountOutput, error))
	reg(contract.LockOutAccount.Name, func(ctx context.Context, in contract.LockOutInput) (contract.LockOutOutput, error) {
		out := contract.LockOutOutput{Directory: in.Directory, Found: in.AccountID != "", AccountID: in.AccountID}
		if err := s.record(contract.LockOutAccount.Name, in.Directory, in); err != nil {
			return out, err
		}
		if in.AccountID == "" {
			a, err := lookup(ctx, contract.LookupAccountInput{Directory: in.Directory, EmployeeID: in.EmployeeID, Email: in.Email})
			if err != nil || !a.Found {
				return out, err
			}
			out.Found, out.AccountID = true, a.AccountID
		}
		ain := contract.AccountInput{Directory: in.Directory, AccountID: out.AccountID, EmployeeID: in.EmployeeID}
		for _, name := range []string{contract.DisableAccount.Name, contract.RevokeSessions.Name} {
			o, err := fns[name].(accountStep)(ctx, ain)
			if err != nil {
				return out, err
			}
			out.Actions = append(out.Actions, o.Actions...)
		}
		return out, nil
	})
	reg(contract.RemoveAccessAndDevices.Name, func(ctx context.Context, in contract.OffboardAccessInput) (contract.StepOutput, error) {
		if err := s.record(contract.RemoveAccessAndDevices.Name, in.Directory, in); err != nil {
			return contract.StepOutput{}, err
		}
		out, err := fns[contract.RemoveAllAccess.Name].(accountStep)(ctx, in.AccountInput)
		if err != nil || !in.RetireDevices {
			return out, err
		}
		d, err := fns[contract.RetireDevices.Name].(accountStep)(ctx, in.AccountInput)
		out.Actions = append(out.Actions, d.Actions...)
		return out, err
	})
}
