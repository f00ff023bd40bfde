package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// SweepsDir is the privilege sweep's evidence folder: Sweeps/YYYY/MM/DD/.
const SweepsDir = "Sweeps"

// sweepKey is the opaque id of one finding: child workflow ids carry it,
// never a login.
func sweepKey(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:8])
}

// ListHRPopulation lists every Employee workflow, running or closed, with
// its lifecycle status: the HR records jml holds, the side of the orphan
// join that says who works here and who has left. A running run wins over
// a closed one of the same employee.
func (a *Activities) ListHRPopulation(ctx context.Context, _ contract.Empty) (contract.HRPopulation, error) {
	out := contract.HRPopulation{Status: map[string]string{}, Source: "visibility"}
	if a.Visibility == nil {
		return out, badInput("no Temporal client for visibility: the sweep cannot read the HR records jml holds")
	}
	q := fmt.Sprintf(`WorkflowType = %q`, contract.EmployeeWorkflowName)
	running := map[string]bool{}
	dc := converter.GetDefaultDataConverter()
	var token []byte
	for {
		resp, err := a.Visibility.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: a.Namespace, Query: q, PageSize: 1000, NextPageToken: token})
		if err != nil {
			return out, temporalError(err)
		}
		for _, ex := range resp.GetExecutions() {
			id, ok := strings.CutPrefix(ex.GetExecution().GetWorkflowId(), contract.EmployeeWorkflowID(""))
			if !ok || strings.Contains(id, "/") {
				continue
			}
			isRunning := ex.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
			if _, seen := out.Status[id]; seen && (running[id] || !isRunning) {
				continue
			}
			var st string
			if p := ex.GetSearchAttributes().GetIndexedFields()[contract.LifecycleStatusKey.GetName()]; p != nil {
				_ = dc.FromPayload(p, &st)
			}
			out.Status[id], running[id] = st, isRunning
		}
		heartbeat(ctx)
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return out, nil
		}
	}
}

// leftHR reports whether a lifecycle status means the employee has left.
func leftHR(status string) bool {
	return status == string(domain.StatusTerminated) || status == string(domain.StatusOffboarding)
}

func declared(list []contract.SweepDeclared, dir string, ids ...string) (contract.SweepDeclared, bool) {
	for _, d := range list {
		if d.Directory != dir {
			continue
		}
		for _, id := range ids {
			if id != "" && strings.EqualFold(d.Account, id) {
				return d, true
			}
		}
	}
	return contract.SweepDeclared{}, false
}

// sweepDir resolves a directory or a SCIM app ("scim:<app>").
func (a *Activities) sweepDir(name string) (directory.Directory, error) {
	if app, ok := strings.CutPrefix(name, "scim:"); ok {
		return a.app(app)
	}
	return a.dir(name)
}

// SweepInventory reads every admin-role holder and every account of each
// directory and classifies them against the HR records jml holds, the
// active elevations and the declared break-glass and service accounts. A
// directory that cannot be read is recorded with its error class, not
// skipped silently, and the others are still read.
func (a *Activities) SweepInventory(ctx context.Context, in contract.SweepInventoryInput) (contract.SweepInventoryOutput, error) {
	out := contract.SweepInventoryOutput{Holders: []contract.SweepHolder{}, Orphans: []contract.SweepOrphan{}, HRRecords: len(in.HR)}
	escalated := map[string]bool{} // directory/principal of unknown holders
	for _, name := range in.Directories {
		d, err := a.dir(name)
		if err != nil {
			return out, err
		}
		heartbeat(ctx, "admins", name)
		sd := contract.SweepDirectory{Directory: name}
		lister, ok := d.(directory.AdminHolderLister)
		if !ok {
			sd.NoAdmins = true
		} else if hs, err := lister.AdminHolders(ctx); err != nil {
			sd.Error = errorClass(err)
			a.Logger.Warn().Str("directory", name).Str("error", sd.Error).Msg("sweep: admin holders unreadable")
		} else {
			sd.Holders = len(hs)
			for _, h := range hs {
				sh := a.classify(ctx, in, name, d, h)
				if sh.Class == contract.SweepUnknown {
					escalated[name+"/"+sh.PrincipalID] = true
				}
				out.Holders = append(out.Holders, sh)
			}
		}
		out.Directories = append(out.Directories, sd)
	}
	for _, name := range append(slices.Clone(in.Directories), prefixed("scim:", in.Apps)...) {
		d, err := a.sweepDir(name)
		if err != nil {
			return out, err
		}
		i := slices.IndexFunc(out.Directories, func(s contract.SweepDirectory) bool { return s.Directory == name })
		if i < 0 {
			out.Directories = append(out.Directories, contract.SweepDirectory{Directory: name, NoAdmins: true})
			i = len(out.Directories) - 1
		}
		sd := &out.Directories[i]
		al, ok := d.(directory.AccountLister)
		if !ok {
			sd.NoList = true
			continue
		}
		heartbeat(ctx, "accounts", name)
		err = al.ListUsers(ctx, 200, func(acct domain.Account) error {
			sd.Accounts++
			if _, ok := declared(in.BreakGlass, name, acct.Login, acct.ID); ok {
				return nil
			}
			if _, ok := declared(in.ServiceAccounts, name, acct.Login, acct.ID); ok {
				return nil
			}
			o := contract.SweepOrphan{Directory: name, AccountID: acct.ID, Login: acct.Login, EmployeeID: acct.EmployeeID, Enabled: acct.Enabled}
			status, known := in.HR[acct.EmployeeID]
			switch {
			case !acct.Enabled:
				return nil // nothing to disable; an orphan that cannot sign in
			case acct.EmployeeID == "":
				if escalated[name+"/"+acct.ID] {
					return nil // an unknown admin: escalated as such
				}
				o.Reason = contract.OrphanNoHROwner
			case !known:
				sd.Unmatched++
				return nil
			case leftHR(status):
				o.Reason = contract.OrphanTerminatedEnabled
			default:
				return nil
			}
			o.Key = sweepKey(name, acct.ID, "orphan")
			out.Orphans = append(out.Orphans, o)
			return nil
		})
		if err != nil {
			sd.Error = errorClass(err)
			a.Logger.Warn().Str("directory", name).Str("error", sd.Error).Msg("sweep: accounts unreadable")
		}
	}
	a.markKept(out.Orphans, in.Date) // activities/sweepnotice.go
	out.Warnings = breakGlassWarnings(in, out.Holders)
	a.Logger.Info().Int("holders", len(out.Holders)).Int("orphans", len(out.Orphans)).Int("hr_records", out.HRRecords).Msg("sweep inventory")
	return out, nil
}

func prefixed(p string, xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = p + x
	}
	return out
}

// errorClass is an error's kind for the record, never its body.
func errorClass(err error) string {
	var de *directory.Error
	if errors.As(err, &de) {
		return fmt.Sprintf("%s: %v", de.Op, de.Kind)
	}
	return "unreadable"
}

// classify sorts one holder into its class.
func (a *Activities) classify(ctx context.Context, in contract.SweepInventoryInput, dir string, d directory.Directory, h directory.AdminHolder) contract.SweepHolder {
	sh := contract.SweepHolder{Key: sweepKey(dir, h.PrincipalID, h.Role), Directory: dir, Role: h.Role, PrincipalID: h.PrincipalID, Kind: h.Kind,
		Login: h.Login, EmployeeID: h.EmployeeID, Enabled: h.Enabled, Permanent: h.Permanent, Until: h.Until}
	if !h.Enabled {
		sh.Note = "account disabled"
	}
	if _, ok := declared(in.BreakGlass, dir, h.Login, h.PrincipalID); ok || h.BreakGlass {
		sh.Class = contract.SweepBreakGlass
		if r, ok := d.(directory.LastSignInReader); ok {
			if t, err := r.LastSignIn(ctx, h.PrincipalID); err == nil {
				sh.LastSignIn = t
			} else {
				sh.Note = "last sign-in unreadable: " + errorClass(err)
			}
		}
		return sh
	}
	if s, ok := declared(in.ServiceAccounts, dir, h.Login, h.PrincipalID); ok {
		sh.Class, sh.Owner = contract.SweepServiceAccount, s.Owner
		return sh
	}
	status, known := in.HR[h.EmployeeID]
	switch {
	case h.EmployeeID == "":
		sh.Class = contract.SweepUnknown
		sh.Note = strings.TrimPrefix(sh.Note+"; no HR owner and not declared", "; ")
	case !known:
		sh.Class = contract.SweepUnknown
		sh.Note = strings.TrimPrefix(sh.Note+"; employee id not in the HR records jml holds", "; ")
	case leftHR(status):
		sh.Class = contract.SweepUnknown
		sh.Note = strings.TrimPrefix(sh.Note+"; HR: the employee has left", "; ")
	case slices.ContainsFunc(in.Elevated[h.EmployeeID], func(r contract.ElevationRoleRef) bool {
		return r.Directory == dir && heldRoleMatches(r.Role, h)
	}):
		sh.Class = contract.SweepJIT
	default:
		sh.Class = contract.SweepStanding
		for _, name := range sortedRoleNames(in.ElevationRoles) {
			if r := in.ElevationRoles[name]; r.Directory == dir && heldRoleMatches(r.Role, h) {
				sh.Elevation = name
				break
			}
		}
		if a.People != nil {
			if rec, found, err := a.People.HRRecord(ctx, h.EmployeeID); err == nil && found {
				sh.Manager = rec.ManagerEmployeeID
			}
		}
	}
	return sh
}

// heldRoleMatches: a configured role names the held one by its name or,
// where the directory has one, its other label (Google's "User Management
// Administrator" for _USER_MANAGEMENT_ADMIN_ROLE).
func heldRoleMatches(configured string, h directory.AdminHolder) bool {
	return roleMatches(configured, h.Role) || (h.RoleLabel != "" && roleMatches(configured, h.RoleLabel))
}

func sortedRoleNames(m map[string]contract.ElevationRoleRef) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// breakGlassWarnings: Microsoft and CIS prescribe at least two break-glass
// accounts, and one that signed in this month is an event to explain.
func breakGlassWarnings(in contract.SweepInventoryInput, hs []contract.SweepHolder) []string {
	var w []string
	declaredDirs := map[string]int{}
	for _, b := range in.BreakGlass {
		declaredDirs[b.Directory]++
	}
	for _, dir := range in.Directories {
		n := declaredDirs[dir]
		if dir == "entra" && n < 2 {
			w = append(w, fmt.Sprintf("%s: %d break-glass account(s) declared; at least two are prescribed", dir, n))
		}
	}
	month := in.Date
	if len(month) >= 7 {
		month = month[:7]
	}
	seen := map[string]bool{}
	for _, h := range hs {
		if h.Class != contract.SweepBreakGlass || seen[h.Directory+"/"+h.PrincipalID] {
			continue
		}
		seen[h.Directory+"/"+h.PrincipalID] = true
		if !h.LastSignIn.IsZero() && h.LastSignIn.UTC().Format(contract.MonthLayout) == month {
			w = append(w, fmt.Sprintf("%s: break-glass account %s signed in this month (%s)", h.Directory, h.PrincipalID, h.LastSignIn.UTC().Format(time.RFC3339)))
		}
	}
	return w
}

// DisableOrphanAccount disables an orphan account in a directory or a SCIM
// app and reads it back.
func (a *Activities) DisableOrphanAccount(ctx context.Context, in contract.AccountInput) (contract.StepOutput, error) {
	out := contract.StepOutput{Directory: in.Directory}
	d, err := a.sweepDir(in.Directory)
	if err != nil {
		return out, err
	}
	if in.AccountID == "" {
		return out, badInput("account id is required")
	}
	o, err := d.Disable(ctx, in.AccountID)
	if directory.IsNotFound(err) {
		o, err = domain.WasAbsent, nil
	}
	if err != nil {
		return out, temporalError(err)
	}
	out.Actions = append(out.Actions, contract.Action{Step: "disable", Outcome: string(o)})
	a.Logger.Info().Str("directory", in.Directory).Str("account_id", in.AccountID).Str("outcome", string(o)).Msg("sweep: orphan disabled")
	return out, nil
}

// DeleteAccount deletes an orphan account where the directory can
// ("unsupported" where it cannot: the account stays disabled).
func (a *Activities) DeleteAccount(ctx context.Context, in contract.AccountInput) (contract.StepOutput, error) {
	out := contract.StepOutput{Directory: in.Directory}
	d, err := a.sweepDir(in.Directory)
	if err != nil {
		return out, err
	}
	if in.AccountID == "" {
		return out, badInput("account id is required")
	}
	del, ok := d.(directory.AccountDeleter)
	if !ok {
		out.Actions = append(out.Actions, contract.Action{Step: "delete", Outcome: "unsupported"})
		return out, nil
	}
	o, err := del.DeleteUser(ctx, in.AccountID)
	if err != nil {
		return out, temporalError(err)
	}
	out.Actions = append(out.Actions, contract.Action{Step: "delete", Outcome: string(o)})
	a.Logger.Info().Str("directory", in.Directory).Str("account_id", in.AccountID).Str("outcome", string(o)).Msg("sweep: orphan deleted")
	return out, nil
}

// SweepEvidencePath is Sweeps/YYYY/MM/DD/<run>.json for a date and run id.
func SweepEvidencePath(date, runID string) (string, error) {
	t, err := time.Parse(contract.DateLayout, date)
	if err != nil {
		return "", fmt.Errorf("date %q: want YYYY-MM-DD", date)
	}
	return filepath.Join(SweepsDir, t.Format("2006"), t.Format("01"), t.Format("02"), runID+".json"), nil
}

// WriteSweepEvidence writes the sweep's result and its SHA-256 beside it
// (<run>.json.sha256, sha256sum's format).
func (a *Activities) WriteSweepEvidence(_ context.Context, f contract.SweepFacts) (contract.SweepEvidence, error) {
	rel, err := SweepEvidencePath(f.Date, f.RunID)
	if err != nil {
		return contract.SweepEvidence{}, badInput(err.Error())
	}
	if strings.ContainsAny(f.RunID, `/\`) || f.RunID == "" {
		return contract.SweepEvidence{}, badInput("run id is required and cannot hold a path separator")
	}
	path := filepath.Join(a.EvidenceDir, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return contract.SweepEvidence{}, err
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return contract.SweepEvidence{}, err
	}
	sum, err := writeWithSum(path, append(b, '\n'))
	if err != nil {
		return contract.SweepEvidence{}, err
	}
	return contract.SweepEvidence{Path: filepath.ToSlash(rel), SHA256: sum}, nil
}
