package bamboohremu

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/jml-dev/jml/domain"
)

// Deliveries returns the webhooks sent so far.
func (e *Emulator) Deliveries() []Delivery {
	e.api.mu.RLock()
	defer e.api.mu.RUnlock()
	return slices.Clone(e.api.sent)
}

// Hire adds an employee and sends employee.created followed by
// employee.updated, as BambooHR does. It returns the new BambooHR id.
func (e *Emulator) Hire(r domain.HRRecord) (string, error) {
	a := e.api
	a.mu.Lock()
	if _, dup := a.byNum[r.EmployeeID]; dup && r.EmployeeID != "" {
		a.mu.Unlock()
		return "", fmt.Errorf("employee number %s already exists", r.EmployeeID)
	}
	emp := a.add(r)
	a.setSupervisor(emp, r.ManagerEmployeeID)
	id := emp.id
	changed := make([]string, 0, len(emp.f))
	for k, v := range a.latest(emp) {
		if v != "" && v != NoDate {
			changed = append(changed, k)
		}
	}
	a.mu.Unlock()
	sort.Strings(changed)
	if err := e.send("employee.created", id, nil); err != nil {
		return id, err
	}
	return id, e.send("employee.updated", id, changed)
}

// Update changes fields (BambooHR names; "supervisorEId" takes a BambooHR
// id) and sends employee.updated naming the fields that changed.
func (e *Emulator) Update(id string, fields map[string]string) error {
	a := e.api
	a.mu.Lock()
	emp, ok := a.emps[id]
	if !ok {
		a.mu.Unlock()
		return fmt.Errorf("no employee %s", id)
	}
	for k := range fields {
		if !slices.Contains(Fields, k) {
			a.mu.Unlock()
			return fmt.Errorf("unknown field %q", k)
		}
	}
	if n, ok := fields["employeeNumber"]; ok && n != emp.f["employeeNumber"] {
		if old := emp.f["employeeNumber"]; a.byNum[old] == id {
			delete(a.byNum, old)
		}
		if n != "" {
			a.byNum[n] = id
		}
	}
	var changed []string
	for k, v := range fields {
		if a.value(emp, k, false) != v {
			changed = append(changed, k)
		}
		emp.f[k] = v
		delete(emp.future, k) // a change entered as effective now replaces a future-dated one
	}
	if sup, ok := fields["supervisorEId"]; ok {
		emp.f["supervisor"] = a.supervisorName(sup)
	}
	emp.lastChanged = a.cfg.Now().UTC()
	a.mu.Unlock()
	if len(changed) == 0 {
		return nil
	}
	sort.Strings(changed)
	return e.send("employee.updated", id, changed)
}

// Schedule enters a future-dated change of table fields (TableFields;
// "supervisorEId" takes a BambooHR id) effective on date (YYYY-MM-DD), and
// sends employee.updated naming them, as BambooHR does when the row is
// entered. The API shows the new values once the date has come, or before
// then only to requests with onlyCurrent=false.
func (e *Emulator) Schedule(id, date string, fields map[string]string) error {
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		return fmt.Errorf("effective date %q is not YYYY-MM-DD", date)
	}
	a := e.api
	a.mu.Lock()
	emp, ok := a.emps[id]
	if !ok {
		a.mu.Unlock()
		return fmt.Errorf("no employee %s", id)
	}
	changed := make([]string, 0, len(fields))
	for k := range fields {
		if !slices.Contains(TableFields, k) {
			a.mu.Unlock()
			return fmt.Errorf("%q is not an effective-dated field (one of %v)", k, TableFields)
		}
		changed = append(changed, k)
	}
	for k, v := range fields {
		emp.future[k] = dated{value: v, effective: date}
	}
	emp.lastChanged = a.cfg.Now().UTC()
	a.mu.Unlock()
	sort.Strings(changed)
	return e.send("employee.updated", id, changed)
}

// Terminate ends employment on date (YYYY-MM-DD). BambooHR flips status to
// Inactive when the termination is entered, even for a future date.
func (e *Emulator) Terminate(id, date string) error {
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		return fmt.Errorf("termination date %q is not YYYY-MM-DD", date)
	}
	return e.Update(id, map[string]string{"status": "Inactive", "employmentHistoryStatus": "Terminated", "terminationDate": date})
}

// Delete removes an employee and sends employee.deleted.
func (e *Emulator) Delete(id string) error {
	a := e.api
	a.mu.Lock()
	emp, ok := a.emps[id]
	if !ok {
		a.mu.Unlock()
		return fmt.Errorf("no employee %s", id)
	}
	delete(a.emps, id)
	delete(a.byNum, emp.f["employeeNumber"])
	a.order = slices.DeleteFunc(a.order, func(x string) bool { return x == id })
	a.mu.Unlock()
	return e.send("employee.deleted", id, nil)
}

// Sign computes X-BambooHR-Signature: hex HMAC-SHA256(key, body ‖ timestamp).
func Sign(key string, body []byte, timestamp string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write(body)
	m.Write([]byte(timestamp))
	return hex.EncodeToString(m.Sum(nil))
}

// send delivers one signed event-based webhook (synchronously, so a test
// knows it has arrived when the mutator returns).
func (e *Emulator) send(typ, id string, changed []string) error {
	a := e.api
	a.mu.RLock()
	url, key, company := a.cfg.WebhookURL, a.cfg.WebhookKey, a.cfg.CompanyID
	a.mu.RUnlock()
	if url == "" {
		return nil
	}
	if changed == nil {
		changed = []string{}
	}
	now := a.cfg.Now().UTC()
	body, _ := json.Marshal(map[string]any{
		"type":      typ,
		"timestamp": now.Format("2006-01-02T15:04:05-0700"),
		"data":      map[string]any{"companyId": company, "employeeId": id, "changedFields": changed},
	})
	ts := strconv.FormatInt(now.Unix(), 10)
	d := Delivery{Type: typ, EmployeeID: id, Changed: changed, Body: body, Timestamp: ts, Signature: Sign(key, body, ts)}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "BambooHR-Webhooks (jml emulator)")
		req.Header.Set("X-BambooHR-Timestamp", ts)
		req.Header.Set("X-BambooHR-Signature", d.Signature)
		var resp *http.Response
		if resp, err = a.cfg.HTTPClient.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			d.Status = resp.StatusCode
			if resp.StatusCode >= 300 {
				err = fmt.Errorf("webhook %s for employee %s: receiver answered %d", typ, id, resp.StatusCode)
			}
		}
	}
	if err != nil {
		d.Error = err.Error()
	}
	a.mu.Lock()
	a.sent = append(a.sent, d)
	a.mu.Unlock()
	return err
}
