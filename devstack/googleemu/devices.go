package googleemu

import (
	"net/http"
	"slices"
	"strings"

	"github.com/jml-dev/jml/devstack/emulator"
)

// --- mobile devices ---

var deviceActions = map[string]string{
	"admin_account_wipe":               "ACCOUNT_WIPED",
	"admin_remote_wipe":                "WIPED",
	"approve":                          "APPROVED",
	"block":                            "BLOCKED",
	"cancel_remote_wipe_then_activate": "APPROVED",
	"cancel_remote_wipe_then_block":    "BLOCKED",
}

func (e *Emulator) serveMobile(w http.ResponseWriter, r *http.Request, s []string) {
	m := r.Method
	defer e.lockFor(m)()
	if len(s) == 0 {
		if m != http.MethodGet {
			methodNotAllowed(w)
			return
		}
		terms, ok := parseQuery(r.URL.Query().Get("query"))
		if !ok {
			badRequest(w, "Invalid Input: query")
			return
		}
		var out []*MobileDevice
		for _, id := range e.deviceOrd {
			d := e.devices[id]
			if d.matches(terms) {
				out = append(out, d)
			}
		}
		pagedWrite(e, w, r, "admin#directory#mobiledevices", "mobiledevices", out, 100, 100)
		return
	}
	d := e.devices[s[0]]
	if d == nil {
		notFound(w, "resourceId")
		return
	}
	switch {
	case len(s) == 1 && m == http.MethodGet:
		emulator.WriteJSON(w, http.StatusOK, d)
	case len(s) == 1 && m == http.MethodDelete:
		delete(e.devices, d.ResourceID)
		e.deviceOrd = slices.DeleteFunc(e.deviceOrd, func(id string) bool { return id == d.ResourceID })
		e.audit("MOBILE_SETTINGS", "DELETE_MOBILE_DEVICE", "DEVICE_ID", d.DeviceID)
		w.WriteHeader(http.StatusNoContent)
	case len(s) == 2 && s[1] == "action" && m == http.MethodPost:
		var body struct{ Action string }
		if !readJSON(w, r, &body) {
			return
		}
		st, ok := deviceActions[body.Action]
		if !ok {
			badRequest(w, "Invalid Input: action")
			return
		}
		d.Status = st
		d.Etag = e.etag()
		d.Actions = append(d.Actions, body.Action)
		e.audit("MOBILE_SETTINGS", "ACTION_REQUESTED", "ACTION_TYPE", body.Action, "DEVICE_ID", d.DeviceID)
		w.WriteHeader(http.StatusNoContent)
	default:
		methodNotAllowed(w)
	}
}

func (d *MobileDevice) matches(terms []term) bool {
	for _, t := range terms {
		switch t.field {
		case "email":
			if !slices.ContainsFunc(d.Email, func(x string) bool { return matchText(x, t.value) }) {
				return false
			}
		case "status":
			if !strings.EqualFold(d.Status, t.value) {
				return false
			}
		case "model":
			if !matchText(d.Model, t.value) {
				return false
			}
		case "os":
			if !matchText(d.OS, t.value) {
				return false
			}
		case "type":
			if !strings.EqualFold(d.Type, t.value) {
				return false
			}
		default:
			return false
		}
	}
	return true
}
