package activities_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jml-dev/jml/activities"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

func findItem(e contract.EmployeeAccess, id string) (contract.AccessItem, bool) {
	for _, it := range e.Items {
		if it.ID == id {
			return it, true
		}
	}
	return contract.AccessItem{}, false
}

func accountID(t *testing.T, d directory.Directory, employeeID string) string {
	t.Helper()
	acct, err := d.FindUser(context.Background(), employeeID, "")
	if err != nil {
		t.Fatalf("%s: find %s: %v", d.Name(), employeeID, err)
	}
	return acct.ID
}

// TestSnapshotAccessFindsAccessOutsideTheCatalog seeds access the catalog
// does not grant straight into the emulators (a Graph group, an Entra
// licence, an Okta admin role and app, a SCIM app account) and checks the snapshot
// reads it back from the directories marked catalog: false, beside the
// catalog's own access marked true, and writes the file it hashed.
func TestSnapshotAccessFindsAccessOutsideTheCatalog(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	eng := r.employee("E0008") // Engineering, full time
	if eng.Department != "Engineering" {
		t.Fatalf("fixture changed: E0008 is in %s", eng.Department)
	}
	it := r.employee("E0014") // IT: a standing User Administrator in Entra
	entra := r.acts.Directories["entra"]
	okta := r.acts.Directories["okta"]

	r.set.Graph.AddGroup("finance-shadow-share")
	if _, err := entra.(directory.GroupManager).AddToGroup(ctx, accountID(t, entra, eng.EmployeeID), "finance-shadow-share"); err != nil {
		t.Fatal(err)
	}
	if _, err := entra.(directory.LicenseManager).AssignLicense(ctx, accountID(t, entra, eng.EmployeeID), "POWER_BI_PRO"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := okta.(directory.AdminRoleManager).GrantAdminRole(ctx, accountID(t, okta, eng.EmployeeID), "Super Administrator", time.Time{}); err != nil {
		t.Fatal(err)
	}
	r.set.Okta.AssignApp(accountID(t, okta, eng.EmployeeID), "AWS Console")
	r.set.Okta.AssignApp(accountID(t, okta, eng.EmployeeID), "github") // the catalog's app, through Okta SSO
	r.must(contract.ProvisionApp.Name, contract.AppInput{App: "salesforce", Person: domain.PersonFrom(eng.Record)}, nil)

	var out contract.SnapshotOutput
	r.must(contract.SnapshotAccess.Name, contract.SnapshotInput{Campaign: "2026-Q4", EmployeeIDs: []string{eng.EmployeeID, it.EmployeeID, "E9999"}}, &out)
	if len(out.Employees) != 3 {
		t.Fatalf("snapshot of %d employees, want 3", len(out.Employees))
	}
	e := out.Employees[0]
	if e.EmployeeID != eng.EmployeeID || len(e.Unreadable) != 0 {
		t.Fatalf("first employee %s unreadable %v, want %s fully read", e.EmployeeID, e.Unreadable, eng.EmployeeID)
	}
	want := map[string]bool{
		"entra/group/finance-shadow-share":    false,
		"entra/license/POWER_BI_PRO":          false,
		"okta/admin_role/Super Administrator": false,
		"salesforce/app/salesforce":           false,
		"entra/group/all-staff":               true,
		"entra/group/dept-engineering":        true,
		"okta/group/dept-engineering":         true,
		"google/group/dept-engineering":       true,
		"entra/license/SPE_E3":                true,
		"github/app/github":                   true,
		"zoom/app/zoom":                       true,
	}
	for id, catalog := range want {
		got, ok := findItem(e, id)
		if !ok {
			t.Errorf("%s: %s not in the snapshot: %+v", eng.EmployeeID, id, e.Items)
			continue
		}
		if got.Catalog != catalog {
			t.Errorf("%s: %s catalog=%t, want %t", eng.EmployeeID, id, got.Catalog, catalog)
		}
	}
	if sa, _ := findItem(e, "okta/admin_role/Super Administrator"); sa.Eligible {
		t.Errorf("an engineer is not eligible for Okta Super Administrator: %+v", sa)
	}

	ua, ok := findItem(out.Employees[1], "entra/admin_role/User Administrator")
	if !ok || ua.Catalog || !ua.Eligible {
		t.Errorf("%s's standing User Administrator = %+v (found %t), want outside the catalog and eligible through JIT", it.EmployeeID, ua, ok)
	}
	ghost := out.Employees[2]
	if len(ghost.Items) != 0 || len(ghost.Unreadable) != 1 || !strings.HasPrefix(ghost.Unreadable[0], "hr:") {
		t.Errorf("an employee with no HR record and no accounts = %+v, want no items and the HR gap named", ghost)
	}

	if out.Path != "Reviews/2026-Q4/snapshot.json" {
		t.Fatalf("path %q", out.Path)
	}
	file := filepath.Join(r.acts.EvidenceDir, filepath.FromSlash(out.Path))
	sum, err := activities.FileSHA256(file)
	if err != nil || sum != out.SHA256 {
		t.Fatalf("file SHA-256 %s (%v), output says %s", sum, err, out.SHA256)
	}
	b, _ := os.ReadFile(file)
	var doc activities.SnapshotDocument
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Campaign != "2026-Q4" || len(doc.Employees) != 3 || len(doc.Employees[0].Items) != len(e.Items) {
		t.Fatalf("file holds campaign %q, %d employees; want what the activity returned", doc.Campaign, len(doc.Employees))
	}
	if strings.Contains(string(b), eng.Email) || strings.Contains(string(b), eng.FamilyName) {
		t.Error("the snapshot file names the employee by email or name; ids only")
	}
}

// TestSnapshotAccessNamesAnUnreadableDirectory: a directory that refuses
// the read is named in the employee's Unreadable list with the error's
// class, and the other directories are still read.
func TestSnapshotAccessNamesAnUnreadableDirectory(t *testing.T) {
	r := newRig(t)
	e := r.employee("E0008")
	okta := r.acts.Directories["okta"]
	r.set.Okta.AddFault(emulator.Fault{PathPrefix: "/api/v1/users/" + accountID(t, okta, e.EmployeeID) + "/groups", Status: 403})

	var out contract.SnapshotOutput
	r.must(contract.SnapshotAccess.Name, contract.SnapshotInput{Campaign: "q-fault", EmployeeIDs: []string{e.EmployeeID}}, &out)
	got := out.Employees[0]
	if !slices.ContainsFunc(got.Unreadable, func(s string) bool {
		return strings.HasPrefix(s, "okta: groups: ") && strings.Contains(s, "HTTP 403")
	}) {
		t.Fatalf("unreadable = %v, want the Okta groups read named with its 403", got.Unreadable)
	}
	if _, ok := findItem(got, "okta/group/dept-engineering"); ok {
		t.Error("an Okta group is in the snapshot although the read failed")
	}
	if _, ok := findItem(got, "entra/group/dept-engineering"); !ok {
		t.Errorf("Entra was not read after Okta failed: %+v", got.Items)
	}
}

// TestSnapshotAccessRefusesBadInput: the campaign id names a folder and the
// scope must be employee ids; each refusal names the field.
func TestSnapshotAccessRefusesBadInput(t *testing.T) {
	r := newRig(t)
	for _, c := range []struct {
		in   contract.SnapshotInput
		want string
	}{
		{contract.SnapshotInput{Campaign: "", EmployeeIDs: []string{"E0001"}}, "campaign: is required"},
		{contract.SnapshotInput{Campaign: "../etc", EmployeeIDs: []string{"E0001"}}, `campaign "../etc"`},
		{contract.SnapshotInput{Campaign: "q4", EmployeeIDs: []string{"E0001", " "}}, "employee_ids[1]: is empty"},
		{contract.SnapshotInput{Campaign: "q4", EmployeeIDs: []string{"E0001/x"}}, `employee_ids[0] "E0001/x"`},
	} {
		err := r.run(contract.SnapshotAccess.Name, c.in, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one naming %q", c.in, err, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(r.acts.EvidenceDir, activities.ReviewsDir)); !os.IsNotExist(err) {
		t.Errorf("a refused snapshot wrote into the evidence folder (%v)", err)
	}
}
