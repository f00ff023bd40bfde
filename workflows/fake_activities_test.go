package workflows_test

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/workflows"
)

// stubActivities are the mocked activities of the workflow tests: each call
// is recorded, a tiny in-memory directory state is kept so tests can assert
// on what the workflows did, and failures can be scripted per activity and
// lane. They never touch a real system (those tests live in activities/).
type stubActivities struct {
	mu      sync.Mutex
	catalog config.Catalog
	calls   []call
	fail    map[string]int             // "Activity/lane" -> failures left (permanent)
	enabled map[string]bool            // "dir/employee" -> account enabled
	groups  map[string]map[string]bool // "dir/employee" -> groups (catalog or not)
	apps    map[string]bool            // "scim:app/employee" -> app account active
	// noManager: "dir/manager" has no account yet; managers: account -> manager set
	noManager map[string]bool
	managers  map[string]string
	logRows   []workflows.OffboardingLogInput
	texts     map[string][]string // "manager:<id>" or "channel:<name>" -> messages
}

type call struct {
	Name, Lane string
	In         any
}

func newStubs(c config.Catalog) *stubActivities {
	return &stubActivities{catalog: c, fail: map[string]int{}, enabled: map[string]bool{}, groups: map[string]map[string]bool{}, apps: map[string]bool{}, noManager: map[string]bool{}, managers: map[string]string{}, texts: map[string][]string{}}
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
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s %s: Permanent (HTTP 403 Authorization_RequestDenied): forbidden", lane, name), workflows.ErrDirectoryPermanent, nil)
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
	reg := func(name string, fn any) { r.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name}) }
	reg(workflows.ActPlanAccess, func(_ context.Context, in workflows.PlanAccessInput) (workflows.PlanAccessOutput, error) {
		if err := s.record(workflows.ActPlanAccess, "catalog", in); err != nil {
			return workflows.PlanAccessOutput{}, err
		}
		e := s.catalog.Evaluate(in.Attributes)
		return workflows.PlanAccessOutput{Entitlements: e, Changes: config.Diff(in.Granted, e)}, nil
	})
	reg(workflows.ActEnsureAccount, func(_ context.Context, in workflows.EnsureAccountInput) (workflows.AccountOutput, error) {
		if err := s.record(workflows.ActEnsureAccount, in.Directory, in); err != nil {
			return workflows.AccountOutput{}, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		k := in.Directory + "/" + in.Person.EmployeeID
		out := workflows.AccountOutput{Directory: in.Directory, Found: true, AccountID: k}
		if en, ok := s.enabled[k]; ok {
			out.Enabled, out.Outcome = en, "already_existed"
			return out, nil
		}
		s.enabled[k] = in.Enabled
		out.Enabled, out.Outcome = in.Enabled, "created"
		return out, nil
	})
	reg(workflows.ActLookupAccount, func(_ context.Context, in workflows.LookupAccountInput) (workflows.AccountOutput, error) {
		if err := s.record(workflows.ActLookupAccount, in.Directory, in); err != nil {
			return workflows.AccountOutput{}, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		k := in.Directory + "/" + in.EmployeeID
		en, ok := s.enabled[k]
		if !ok {
			return workflows.AccountOutput{Directory: in.Directory}, nil
		}
		return workflows.AccountOutput{Directory: in.Directory, Found: true, AccountID: k, Enabled: en}, nil
	})
	setEnabled := func(name string, v bool, outcome string) {
		reg(name, func(_ context.Context, in workflows.AccountInput) (workflows.StepOutput, error) {
			if err := s.record(name, in.Directory, in); err != nil {
				return workflows.StepOutput{}, err
			}
			s.mu.Lock()
			s.enabled[in.AccountID] = v
			s.mu.Unlock()
			return workflows.StepOutput{Directory: in.Directory, Actions: []workflows.Action{{Step: name, Outcome: outcome}}}, nil
		})
	}
	setEnabled(workflows.ActEnableAccount, true, "enabled")
	setEnabled(workflows.ActDisableAccount, false, "disabled")
	for _, name := range []string{workflows.ActRevokeSessions, workflows.ActRetireDevices} {
		reg(name, func(_ context.Context, in workflows.AccountInput) (workflows.StepOutput, error) {
			if err := s.record(name, in.Directory, in); err != nil {
				return workflows.StepOutput{}, err
			}
			return workflows.StepOutput{Directory: in.Directory, Actions: []workflows.Action{{Step: name, Outcome: "done"}}}, nil
		})
	}
	reg(workflows.ActRemoveAllAccess, func(_ context.Context, in workflows.AccountInput) (workflows.StepOutput, error) {
		if err := s.record(workflows.ActRemoveAllAccess, in.Directory, in); err != nil {
			return workflows.StepOutput{}, err
		}
		s.mu.Lock()
		delete(s.groups, in.AccountID)
		s.mu.Unlock()
		return workflows.StepOutput{Directory: in.Directory, Actions: []workflows.Action{{Step: "remove access", Outcome: "removed"}}}, nil
	})
	reg(workflows.ActUpdateProfile, func(_ context.Context, in workflows.UpdateProfileInput) (workflows.StepOutput, error) {
		return workflows.StepOutput{Directory: in.Directory}, s.record(workflows.ActUpdateProfile, in.Directory, in)
	})
	reg(workflows.ActSetManager, func(_ context.Context, in workflows.SetManagerInput) (workflows.StepOutput, error) {
		if err := s.record(workflows.ActSetManager, in.Directory, in); err != nil {
			return workflows.StepOutput{}, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		outcome := "updated"
		if s.noManager[in.Directory+"/"+in.ManagerEmployeeID] {
			outcome = workflows.OutcomeManagerPending
		} else {
			s.managers[in.AccountID] = in.ManagerEmployeeID
		}
		return workflows.StepOutput{Directory: in.Directory, Actions: []workflows.Action{{Step: "set manager", Outcome: outcome}}}, nil
	})
	reg(workflows.ActApplyAccess, func(_ context.Context, in workflows.ApplyAccessInput) (workflows.StepOutput, error) {
		if err := s.record(workflows.ActApplyAccess, in.Directory, in); err != nil {
			return workflows.StepOutput{}, err
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
		return workflows.StepOutput{Directory: in.Directory}, nil
	})
	reg(workflows.ActProvisionApp, func(_ context.Context, in workflows.AppInput) (workflows.StepOutput, error) {
		if err := s.record(workflows.ActProvisionApp, "scim:"+in.App, in); err != nil {
			return workflows.StepOutput{}, err
		}
		s.mu.Lock()
		s.apps["scim:"+in.App+"/"+in.Person.EmployeeID] = true
		s.mu.Unlock()
		return workflows.StepOutput{Directory: "scim:" + in.App}, nil
	})
	reg(workflows.ActDeprovisionApp, func(_ context.Context, in workflows.AppInput) (workflows.StepOutput, error) {
		if err := s.record(workflows.ActDeprovisionApp, "scim:"+in.App, in); err != nil {
			return workflows.StepOutput{}, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		k := "scim:" + in.App + "/" + in.Person.EmployeeID
		outcome := "was_absent"
		if s.apps[k] {
			outcome = "disabled"
			s.apps[k] = false
		}
		return workflows.StepOutput{Directory: "scim:" + in.App, Actions: []workflows.Action{{Step: "deprovision app", Target: in.App, Outcome: outcome}}}, nil
	})
	reg(workflows.ActVerifyDisabled, func(_ context.Context, in workflows.AccountInput) (workflows.VerifyOutput, error) {
		if err := s.record(workflows.ActVerifyDisabled, in.Directory, in); err != nil {
			return workflows.VerifyOutput{}, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return workflows.VerifyOutput{Directory: in.Directory, Disabled: !s.enabled[in.AccountID], SessionsRevoked: true}, nil
	})
	reg(workflows.ActNotifyManager, func(_ context.Context, in workflows.NotifyManagerInput) (workflows.NotifyOutput, error) {
		s.mu.Lock()
		s.texts["manager:"+in.ManagerEmployeeID] = append(s.texts["manager:"+in.ManagerEmployeeID], in.Text)
		s.mu.Unlock()
		return workflows.NotifyOutput{Delivered: true}, s.record(workflows.ActNotifyManager, "slack", in)
	})
	reg(workflows.ActNotifyChannel, func(_ context.Context, in workflows.NotifyChannelInput) (workflows.NotifyOutput, error) {
		s.mu.Lock()
		s.texts["channel:"+in.Channel] = append(s.texts["channel:"+in.Channel], in.Text)
		s.mu.Unlock()
		return workflows.NotifyOutput{Delivered: true}, s.record(workflows.ActNotifyChannel, "slack", in)
	})
	reg(workflows.ActAppendOffboardingLog, func(_ context.Context, in workflows.OffboardingLogInput) (workflows.OffboardingLogOutput, error) {
		if err := s.record(workflows.ActAppendOffboardingLog, "evidence", in); err != nil {
			return workflows.OffboardingLogOutput{}, err
		}
		s.mu.Lock()
		s.logRows = append(s.logRows, in)
		s.mu.Unlock()
		return workflows.OffboardingLogOutput{Appended: true}, nil
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
