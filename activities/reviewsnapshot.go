package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// Review evidence lives under Reviews/<campaign>/.
const (
	ReviewsDir   = "Reviews"
	SnapshotFile = "snapshot.json"
)

// snapshotWorkers bounds how many employees are read at once: each
// directory client has its own rate limiter, this only keeps a campaign of
// hundreds from opening hundreds of connections.
const snapshotWorkers = 4

// snapshotPayloadLimit is what the returned snapshot may weigh: Temporal
// refuses a payload over 2 MB, which the campaign would only learn as an
// opaque failure after every read; about 1 KB an employee (README).
var snapshotPayloadLimit = 1900 << 10

// SnapshotDocument is Reviews/<campaign>/snapshot.json: what an auditor
// checks the campaign's decisions against. It names employees by id only.
type SnapshotDocument struct {
	Campaign    string                    `json:"campaign"`
	TakenAt     time.Time                 `json:"taken_at"`
	Directories []string                  `json:"directories"` // read for every employee
	Apps        []string                  `json:"apps"`        // SCIM apps read for every employee
	Employees   []contract.EmployeeAccess `json:"employees"`
	HashAlgo    string                    `json:"hash_algorithm"`
	// Parts name the parts' own snapshots of a campaign reviewed in parts.
	Parts []SnapshotPart `json:"parts,omitempty"`
}

// ReviewFolder is <evidence>/Reviews/<campaign>, the campaign id checked
// to be one safe path segment.
func ReviewFolder(evidenceDir, campaign string) (string, error) {
	if err := CheckCampaignID(campaign); err != nil {
		return "", err
	}
	return filepath.Join(evidenceDir, ReviewsDir, campaign), nil
}

// CheckCampaignID refuses a campaign id that is not one plain path segment
// (it names a folder of the evidence directory).
func CheckCampaignID(campaign string) error {
	switch {
	case campaign == "":
		return errors.New("campaign: is required")
	case len(campaign) > 128:
		return fmt.Errorf("campaign %.20q...: longer than 128 characters", campaign)
	case campaign == "." || campaign == "..":
		return fmt.Errorf("campaign %q: not a folder name", campaign)
	}
	for _, r := range campaign {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return fmt.Errorf("campaign %q: only letters, digits, '-', '_' and '.' are allowed", campaign)
		}
	}
	return nil
}

// SnapshotAccess reads, for every employee in scope, what they hold in
// every configured directory (groups, licences, admin roles, apps assigned
// in its single sign-on) and SCIM app
// (an active account), marks each item as granted by the role catalog
// evaluated on the HR record jml holds for them or not, and writes the
// whole snapshot to Reviews/<campaign>/snapshot.json with its SHA-256. A
// directory that cannot be read for someone is named in their Unreadable
// list, never left out silently. A retry reads again and rewrites the file.
func (a *Activities) SnapshotAccess(ctx context.Context, in contract.SnapshotInput) (contract.SnapshotOutput, error) {
	if a.EvidenceDir == "" {
		return contract.SnapshotOutput{}, badInput("evidence directory is not configured")
	}
	folder, err := reviewFolderFor(a.EvidenceDir, in.Campaign, in.PartOf)
	if err != nil {
		return contract.SnapshotOutput{}, badInput(err.Error())
	}
	ids, err := scopeIDs(in.EmployeeIDs)
	if err != nil {
		return contract.SnapshotOutput{}, badInput(fmt.Sprintf("campaign %s: %v", in.Campaign, err))
	}
	if a.People == nil {
		return contract.SnapshotOutput{}, badInput("no HR records: the snapshot needs the HR record jml holds to evaluate the catalog")
	}
	doc := SnapshotDocument{Campaign: in.Campaign, TakenAt: time.Now().UTC(), Directories: sortedKeys(a.Directories), Apps: sortedKeys(a.Apps), HashAlgo: "SHA-256"}
	doc.Employees = make([]contract.EmployeeAccess, len(ids))
	errs := make([]error, len(ids))
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for range min(snapshotWorkers, len(ids)) {
		wg.Go(func() {
			for i := range next {
				doc.Employees[i], errs[i] = a.snapshotEmployee(ctx, ids[i], doc.Directories, doc.Apps)
				mu.Lock()
				done++
				heartbeat(ctx, done)
				mu.Unlock()
			}
		})
	}
	for i := range ids {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return contract.SnapshotOutput{}, err
	}
	if err := errors.Join(errs...); err != nil {
		return contract.SnapshotOutput{}, temporalError(err)
	}
	if n := payloadSize(doc.Employees); n > snapshotPayloadLimit {
		return contract.SnapshotOutput{}, badInput(fmt.Sprintf("campaign %s: employee_ids: the snapshot of %d employees is %d KB, over the %d KB a workflow payload may carry; split the scope into smaller campaigns",
			in.Campaign, len(ids), n>>10, snapshotPayloadLimit>>10))
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return contract.SnapshotOutput{}, temporalError(err)
	}
	if err := os.MkdirAll(folder, 0o750); err != nil {
		return contract.SnapshotOutput{}, temporalError(err)
	}
	path := filepath.Join(folder, SnapshotFile)
	if err := writeAtomic(path, append(b, '\n')); err != nil {
		return contract.SnapshotOutput{}, temporalError(err)
	}
	sum, err := FileSHA256(path)
	if err != nil {
		return contract.SnapshotOutput{}, temporalError(err)
	}
	items, unreadable := 0, 0
	for _, e := range doc.Employees {
		items += len(e.Items)
		unreadable += len(e.Unreadable)
	}
	a.Logger.Info().Str("campaign", in.Campaign).Int("employees", len(ids)).Int("items", items).Int("unreadable", unreadable).Msg("review snapshot written")
	return contract.SnapshotOutput{Employees: doc.Employees, Path: evidenceRel(a.EvidenceDir, path), SHA256: sum}, nil
}

func payloadSize(v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		return 0
	}
	return len(b)
}

// scopeIDs is the scope without blanks and duplicates, in the order given.
func scopeIDs(in []string) ([]string, error) {
	var out []string
	for i, id := range in {
		id = strings.TrimSpace(id)
		if id == "" {
			return nil, fmt.Errorf("employee_ids[%d]: is empty", i)
		}
		if strings.ContainsAny(id, "/\\") {
			return nil, fmt.Errorf("employee_ids[%d] %q: not an employee id", i, id)
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

func sortedKeys(m map[string]directory.Directory) []string {
	out := []string{}
	for k, d := range m {
		if d != nil {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// snapshotEmployee reads one employee everywhere. Only a failure to read
// jml's own HR record fails the activity (retried); a directory's failure
// is recorded as unreadable.
func (a *Activities) snapshotEmployee(ctx context.Context, id string, dirs, apps []string) (contract.EmployeeAccess, error) {
	out := contract.EmployeeAccess{EmployeeID: id, Items: []contract.AccessItem{}}
	rec, found, err := a.People.HRRecord(ctx, id)
	if err != nil {
		return out, err
	}
	var ent domain.Entitlements
	if !found {
		// Nothing justifies any access of someone jml holds no HR record
		// for: every item is outside the catalog, and the gap is named.
		out.Unreadable = append(out.Unreadable, "hr: jml holds no HR record (catalog not evaluated)")
	} else if rec.Status != domain.HRTerminated {
		ent = a.Catalog.Evaluate(domain.AttributesOf(rec))
	}
	m := catalogMarker{cat: a.Catalog, ent: ent}
	for _, name := range dirs {
		items, gaps := a.readDirectory(ctx, a.Directories[name], name, id, rec.Email, m)
		out.Items = append(out.Items, items...)
		out.Unreadable = append(out.Unreadable, gaps...)
	}
	for _, name := range apps {
		item, gap := a.readApp(ctx, a.Apps[name], name, id, rec.Email, m)
		if item != nil {
			out.Items = append(out.Items, *item)
		}
		if gap != "" {
			out.Unreadable = append(out.Unreadable, gap)
		}
	}
	return out, nil
}

// unreadable names the directory and what could not be read, with the
// error's class (kind, HTTP status, the system's code), never its text.
func unreadable(dir, what string, err error) string {
	var de *directory.Error
	class := "unclassified failure"
	if errors.As(err, &de) {
		class = safeSummary(de)
	} else if errors.Is(err, context.DeadlineExceeded) {
		class = "timed out"
	}
	return dir + ": " + what + ": " + class
}

// readDirectory lists the employee's groups, licences and admin roles in
// one directory, each capability found by type assertion. No account there
// is no access, not a gap.
func (a *Activities) readDirectory(ctx context.Context, d directory.Directory, name, id, email string, m catalogMarker) ([]contract.AccessItem, []string) {
	acct, err := d.FindUser(ctx, id, email)
	if directory.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, []string{unreadable(name, "account", err)}
	}
	var items []contract.AccessItem
	var gaps []string
	if gm, ok := d.(directory.GroupManager); ok {
		groups, err := gm.ListGroups(ctx, acct.ID)
		if err != nil {
			gaps = append(gaps, unreadable(name, "groups", err))
		}
		for _, g := range groups {
			items = append(items, m.item(name, contract.EntitlementGroup, g))
		}
	}
	if lm, ok := d.(directory.LicenseManager); ok {
		lic, err := lm.ListLicenses(ctx, acct.ID)
		if err != nil {
			gaps = append(gaps, unreadable(name, "licenses", err))
		}
		for _, l := range lic {
			items = append(items, m.item(name, contract.EntitlementLicense, l))
		}
	}
	if ar, ok := d.(directory.UserAppReader); ok {
		// Apps assigned in the directory's own SSO: catalog-granted when
		// the catalog gives the employee an app of that name.
		apps, err := ar.ListUserApps(ctx, acct.ID)
		if err != nil {
			gaps = append(gaps, unreadable(name, "apps", err))
		}
		for _, app := range apps {
			items = append(items, m.item(name, contract.EntitlementSSOApp, app))
		}
	}
	if rm, ok := d.(directory.AdminRoleManager); ok {
		roles, err := rm.ListAdminRoles(ctx, acct.ID)
		if err != nil {
			gaps = append(gaps, unreadable(name, "admin roles", err))
		}
		for _, r := range roles {
			it := m.item(name, contract.EntitlementAdminRole, r.Role)
			if !r.ExpiresAt.IsZero() {
				it.ExpiresAt = r.ExpiresAt.UTC()
			}
			items = append(items, it)
		}
	}
	return dedupe(items), gaps
}

// readApp reports the employee's active account in one SCIM app; a
// deactivated account holds no access.
func (a *Activities) readApp(ctx context.Context, d directory.Directory, app, id, email string, m catalogMarker) (*contract.AccessItem, string) {
	acct, err := d.FindUser(ctx, id, email)
	if directory.IsNotFound(err) {
		return nil, ""
	}
	if err != nil {
		return nil, unreadable(app, "account", err)
	}
	if !acct.Enabled {
		return nil, ""
	}
	it := m.item(app, contract.EntitlementApp, app)
	return &it, ""
}

func dedupe(items []contract.AccessItem) []contract.AccessItem {
	seen := map[string]bool{}
	out := items[:0]
	for _, it := range items {
		if !seen[it.ID] {
			seen[it.ID] = true
			out = append(out, it)
		}
	}
	return out
}

// catalogMarker names an entitlement as the catalog does and says whether
// the catalog grants it to this employee.
type catalogMarker struct {
	cat domain.Catalog
	ent domain.Entitlements
}

func (m catalogMarker) item(dir, kind, held string) contract.AccessItem {
	name, granted := held, false
	pick := func(list []string, match func(string, string) bool) {
		for _, c := range list {
			if match(c, held) {
				name, granted = c, true
				return
			}
		}
	}
	switch kind {
	case contract.EntitlementGroup:
		pick(m.ent.Groups[dir], strings.EqualFold)
	case contract.EntitlementLicense:
		pick(m.ent.Licenses[dir], strings.EqualFold)
	case contract.EntitlementApp, contract.EntitlementSSOApp:
		pick(m.ent.Apps, strings.EqualFold)
	case contract.EntitlementAdminRole:
		// The catalog makes admin roles requestable through JIT, never
		// standing: a held role is outside the catalog, but it is named
		// as the catalog names it (Okta answers USER_ADMIN) and marked
		// eligible when the employee could have requested it.
		for _, c := range m.cat.AdminRoles[dir] {
			if roleMatches(c, held) {
				name = c
				break
			}
		}
		it := contract.AccessItem{ID: dir + "/" + kind + "/" + name, Directory: dir, Kind: kind, Entitlement: name}
		it.Eligible = slices.ContainsFunc(m.ent.EligibleRoles[dir], func(c string) bool { return roleMatches(c, held) })
		return it
	}
	return contract.AccessItem{ID: dir + "/" + kind + "/" + name, Directory: dir, Kind: kind, Entitlement: name, Catalog: granted}
}
