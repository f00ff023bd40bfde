// Package planner is jml's test mode: for every row of an HR export (or a
// webhook batch) it says what applying it would do, against the live state,
// without signalling or writing anything but the plan. The classification is
// workflows.Classify itself (the Employee workflow's rule, not a copy); the
// actions follow the joiner, mover and leaver workflows' lanes: the role
// catalog's entitlements per directory and SCIM app, diffed against what
// the Employee workflow recorded as granted.
package planner

import (
	"context"
	"slices"
	"time"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/hr"
	"github.com/jml-dev/jml/starters/importer"
	"github.com/jml-dev/jml/workflows"
)

// States reads an Employee workflow's state (the state query); nil, nil
// when jml has no workflow for the employee.
type States interface {
	State(ctx context.Context, employeeID string) (*contract.EmployeeState, error)
}

// Lookup finds an existing account read-only (directory.Directory.FindUser):
// a joiner's lane links it instead of creating one. found false: none.
type Lookup func(ctx context.Context, dir, employeeID, email string) (accountID string, found bool, err error)

// Action kinds, in lane order.
const (
	CreateAccount     = "create account"
	LinkAccount       = "link account" // found by employee id or email; its profile is updated from HR
	EnableAccount     = "enable account"
	AddGroup          = "add group"
	RemoveGroup       = "remove group"
	AddLicense        = "add license"
	RemoveLicense     = "remove license"
	ProvisionApp      = "provision app"
	DeprovisionApp    = "deprovision app"
	DisableAccount    = "disable account" // with its sessions revoked and its remaining access removed
	CancelTermination = "cancel scheduled termination"
)

// AllocatedAtApply is the login of a joiner HR has no email for: it is
// allocated collision-safely when the joiner runs, not while planning.
const AllocatedAtApply = "allocated at apply"

// Action is one thing applying the row would do in one directory or app.
type Action struct {
	Directory string    `json:"directory"` // entra, okta, google, or the SCIM app's name
	Kind      string    `json:"action"`
	Target    string    `json:"target,omitempty"` // login, account id, group, license or app
	DueAt     time.Time `json:"due_at,omitzero"`  // zero: at once
}

// Row is the plan of one row.
type Row struct {
	Ref            string                `json:"ref"`
	EmployeeID     string                `json:"employee_id,omitempty"`
	Classification domain.Classification `json:"classification,omitempty"` // empty when quarantined
	Reason         string                `json:"reason,omitempty"`
	Error          string                `json:"error,omitempty"` // why the row would be quarantined
	Warnings       []string              `json:"warnings,omitempty"`
	Actions        []Action              `json:"actions,omitempty"`
}

// Plan is the test-mode answer for one export.
type Plan struct {
	File   string          `json:"file,omitempty"`
	At     time.Time       `json:"at"`
	Counts importer.Counts `json:"counts"` // Delivered: rows that would be delivered
	// Classes counts the delivered rows per classification.
	Classes map[domain.Classification]int `json:"classes"`
	Rows    []Row                         `json:"rows"`
	// Notes say what the plan could not read (a directory without
	// credentials): those parts are decided at apply.
	Notes []string `json:"notes,omitempty"`
}

// Planner computes plans. Catalog and Policy are the worker's (config).
type Planner struct {
	States  States
	Lookup  Lookup // nil: accounts of unknown employees are not looked up
	Catalog domain.Catalog
	Policy  contract.Policy
	Now     func() time.Time
	// Concurrency bounds state queries at once (default importer's).
	Concurrency int
}

// Plan runs the import's own rules (parse errors, validation, one row per
// employee, manager warnings) with a delivery that only plans.
func (p Planner) Plan(ctx context.Context, source string, rows []hr.Row, known func(context.Context, string) (bool, error)) Plan {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	plans := make([]Row, len(rows))
	res := importer.Import(ctx, rows, importer.Options{Source: source, Known: known, Concurrency: p.Concurrency,
		Submit: func(ctx context.Context, i int, rec domain.HRRecord) (string, error) {
			r, err := p.row(ctx, rec, now())
			plans[i] = r
			return "", err
		}})
	out := Plan{At: now().UTC(), Counts: res.Counts, Classes: map[domain.Classification]int{}, Rows: plans}
	for i, o := range res.Outcomes {
		r := &out.Rows[i]
		r.Ref, r.EmployeeID, r.Warnings = o.Ref, o.EmployeeID, o.Warnings
		if o.Error != "" {
			*r = Row{Ref: o.Ref, EmployeeID: o.EmployeeID, Error: o.Error, Warnings: o.Warnings}
			continue
		}
		out.Classes[r.Classification]++
	}
	if p.Lookup == nil && len(p.Policy.Directories) > 0 {
		out.Notes = append(out.Notes, "directories not read: a joiner's existing account (same employee id or email) is linked at apply instead of created")
	}
	return out
}

// row classifies one valid record against the live state and lists the
// actions.
func (p Planner) row(ctx context.Context, rec domain.HRRecord, now time.Time) (Row, error) {
	st, err := p.States.State(ctx, rec.EmployeeID)
	if err != nil {
		return Row{}, err
	}
	if st == nil {
		st = &contract.EmployeeState{EmployeeID: rec.EmployeeID}
	}
	class, reason := workflows.Classify(st, rec)
	r := Row{EmployeeID: rec.EmployeeID, Classification: class, Reason: string(reason)}
	if queued := queuedStart(st); queued != nil && rec.Status != domain.HRTerminated && !st.Terminated && class != domain.ClassNoOp {
		// Not started yet: the Employee workflow's queued joiner takes the
		// record (pendingStart), so it is still a join of the new role.
		r.Classification, r.Reason = domain.ClassJoin, "not started yet: the queued "+string(queued.Event)+" takes this record"
		class, st = domain.ClassJoin, &contract.EmployeeState{EmployeeID: rec.EmployeeID, Accounts: st.Accounts}
	}
	want := p.Catalog.Evaluate(domain.AttributesOf(rec))
	switch class {
	case domain.ClassJoin, domain.ClassRehire:
		r.Actions, err = p.join(ctx, st, rec, want, now)
	case domain.ClassMove:
		r.Actions = p.access(domain.Diff(st.Access, want), time.Time{})
	case domain.ClassTerminationCancelled:
		for _, dir := range p.Policy.Directories {
			r.Actions = append(r.Actions, Action{Directory: dir, Kind: CancelTermination})
		}
		// A role change that came with it runs as a mover.
		r.Actions = append(r.Actions, p.access(domain.Diff(st.Access, want), time.Time{})...)
	case domain.ClassLeave:
		r.Actions, err = p.leave(ctx, st, rec, now)
	}
	return r, err
}

func queuedStart(st *contract.EmployeeState) *contract.WorkItem {
	i := slices.IndexFunc(st.Pending, func(w contract.WorkItem) bool {
		return w.Event == domain.EventJoiner || w.Event == domain.EventRehire
	})
	if i < 0 {
		return nil
	}
	return &st.Pending[i]
}

// join is the joiner's (and the rehire's) lanes: the account found or
// created (disabled until the start date during the lead time), then the
// catalog's access from what is granted now (a rehire's was emptied).
func (p Planner) join(ctx context.Context, st *contract.EmployeeState, rec domain.HRRecord, want domain.Entitlements, now time.Time) ([]Action, error) {
	due := time.Time{}
	if at := workflows.ActivateAt(rec); !at.IsZero() {
		if prov := at.Add(-p.Policy.JoinerLeadTime); prov.After(now) {
			due = prov
		}
	}
	var out []Action
	for _, dir := range p.Policy.Directories {
		if id := st.Accounts[dir]; id != "" {
			out = append(out, Action{Directory: dir, Kind: EnableAccount, Target: id, DueAt: due})
			continue
		}
		if p.Lookup != nil {
			id, found, err := p.Lookup(ctx, dir, rec.EmployeeID, rec.Email)
			if err != nil {
				return nil, err
			}
			if found {
				out = append(out, Action{Directory: dir, Kind: LinkAccount, Target: id, DueAt: due})
				continue
			}
		}
		login := rec.Email
		if login == "" {
			login = AllocatedAtApply
		}
		out = append(out, Action{Directory: dir, Kind: CreateAccount, Target: login, DueAt: due})
	}
	return append(out, p.access(domain.Diff(st.Access, want), due)...), nil
}

// access turns catalog changes into the lanes' actions: only enabled
// directories and configured apps, as the workflows apply them.
func (p Planner) access(changes []domain.Change, due time.Time) []Action {
	var out []Action
	for _, c := range changes {
		if c.Kind == domain.KindApp {
			for _, a := range c.Add {
				if slices.Contains(p.Policy.Apps, a) {
					out = append(out, Action{Directory: a, Kind: ProvisionApp, Target: a, DueAt: due})
				}
			}
			for _, a := range c.Remove {
				if slices.Contains(p.Policy.Apps, a) {
					out = append(out, Action{Directory: a, Kind: DeprovisionApp, Target: a, DueAt: due})
				}
			}
			continue
		}
		if !slices.Contains(p.Policy.Directories, c.Directory) {
			continue
		}
		add, rem := AddGroup, RemoveGroup
		if c.Kind == domain.KindLicense {
			add, rem = AddLicense, RemoveLicense
		}
		for _, t := range c.Add {
			out = append(out, Action{Directory: c.Directory, Kind: add, Target: t, DueAt: due})
		}
		for _, t := range c.Remove {
			out = append(out, Action{Directory: c.Directory, Kind: rem, Target: t, DueAt: due})
		}
	}
	return out
}

// leave is the leaver's lanes from the termination's effective time: each
// account disabled (sessions revoked, all its access removed: the listed
// groups and licences are the catalog's), every configured app
// deprovisioned.
func (p Planner) leave(ctx context.Context, st *contract.EmployeeState, rec domain.HRRecord, now time.Time) ([]Action, error) {
	due := rec.TerminationAt()
	if !due.After(now) {
		due = time.Time{}
	}
	var out []Action
	for _, dir := range p.Policy.Directories {
		id := st.Accounts[dir]
		if id == "" && p.Lookup != nil {
			// The leaver looks the account up as well.
			var err error
			if id, _, err = p.Lookup(ctx, dir, rec.EmployeeID, rec.Email); err != nil {
				return nil, err
			}
		}
		if id == "" {
			continue // nothing to offboard there
		}
		out = append(out, Action{Directory: dir, Kind: DisableAccount, Target: id, DueAt: due})
		for _, g := range st.Access.Groups[dir] {
			out = append(out, Action{Directory: dir, Kind: RemoveGroup, Target: g, DueAt: due})
		}
		for _, l := range st.Access.Licenses[dir] {
			out = append(out, Action{Directory: dir, Kind: RemoveLicense, Target: l, DueAt: due})
		}
	}
	// The leaver deprovisions every configured app (none there is a no-op).
	for _, a := range p.Policy.Apps {
		out = append(out, Action{Directory: a, Kind: DeprovisionApp, Target: a, DueAt: due})
	}
	return out, nil
}
