package activities_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/domain"
)

// hrBook is the HR records jml holds, as the worker reads them from the
// Employee workflows (workers.HRRecords), here the demo organisation's.
type hrBook demoorg.Org

func (b hrBook) HRRecord(_ context.Context, employeeID string) (domain.HRRecord, bool, error) {
	for _, e := range b.Employees {
		if e.EmployeeID == employeeID {
			return e.Record, true, nil
		}
	}
	return domain.HRRecord{}, false, nil
}

// patchGraphUser edits an Entra user through Graph, as a directory admin can.
func (r *rig) patchGraphUser(id string, attrs map[string]string) {
	r.t.Helper()
	body, _ := json.Marshal(attrs)
	req, err := http.NewRequest(http.MethodPatch, r.set.Graph.URL()+"/v1.0/users/"+id, bytes.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+r.set.Creds.Graph)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		r.t.Fatalf("PATCH user: HTTP %d", resp.StatusCode)
	}
}

func (r *rig) dmsTo(email, text string) int {
	n := 0
	for _, m := range r.set.Slack.MessagesTo(email) {
		if strings.Contains(m.Text, text) {
			n++
		}
	}
	return n
}

// TestDMsGoToHRWorkEmails: an Entra admin gives their own account the
// manager's employeeId (and the manager's account another one), so Entra,
// the first directory, says the manager is them. The manager's notice and
// the requester's still go to the HR work emails; with no HR record, no DM
// goes anywhere.
func TestDMsGoToHRWorkEmails(t *testing.T) {
	r := newRig(t)
	mgr, admin := r.employee("E0002"), r.employee("E0014")
	m, ok := r.set.Graph.UserByEmployeeID(mgr.EmployeeID)
	a, ok2 := r.set.Graph.UserByEmployeeID(admin.EmployeeID)
	if !ok || !ok2 {
		t.Fatal("demo users missing in Entra")
	}
	r.patchGraphUser(m.ID, map[string]string{"employeeId": "E9998"})
	r.patchGraphUser(a.ID, map[string]string{"employeeId": mgr.EmployeeID})
	if u, _ := r.set.Graph.UserByEmployeeID(mgr.EmployeeID); u.ID != a.ID {
		t.Fatalf("Entra should now give the manager's id to the admin's account, got %s", u.UserPrincipalName)
	}

	var out contract.NotifyOutput
	r.must(contract.NotifyManager.Name, contract.NotifyManagerInput{ManagerEmployeeID: mgr.EmployeeID, Text: "joiner E0041 provisioned"}, &out)
	if !out.Delivered || r.dmsTo(mgr.Email, "joiner E0041") != 1 {
		t.Errorf("manager's DM: delivered=%t, %d at the HR email", out.Delivered, r.dmsTo(mgr.Email, "joiner E0041"))
	}
	if n := r.dmsTo(admin.Email, "joiner E0041"); n != 0 {
		t.Errorf("%d DMs went to the admin who edited Entra", n)
	}

	// The requester's DM: the HR email the workflow holds, else jml's record.
	r.must(contract.NotifyEmployee.Name, contract.NotifyEmployeeInput{EmployeeID: mgr.EmployeeID, Email: mgr.Email, Text: "elevation granted"}, &out)
	r.must(contract.NotifyEmployee.Name, contract.NotifyEmployeeInput{EmployeeID: mgr.EmployeeID, Text: "elevation revoked"}, &out)
	if r.dmsTo(mgr.Email, "elevation granted") != 1 || r.dmsTo(mgr.Email, "elevation revoked") != 1 || r.dmsTo(admin.Email, "elevation") != 0 {
		t.Errorf("requester DMs: %+v", r.set.Slack.MessagesTo(mgr.Email))
	}

	// jml holds no HR record for the admin's new id: nothing is sent.
	r.must(contract.NotifyManager.Name, contract.NotifyManagerInput{ManagerEmployeeID: "E9998", Text: "for nobody"}, &out)
	if out.Delivered || !strings.Contains(out.Detail, "no HR record") {
		t.Errorf("unknown manager: %+v, want not delivered, no HR record", out)
	}
	if n := r.dmsTo(mgr.Email, "for nobody"); n != 0 {
		t.Errorf("%d DMs for an employee jml holds no HR record of", n)
	}
}
