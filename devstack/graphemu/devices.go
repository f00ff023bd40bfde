package graphemu

import (
	"net/http"
)

// ---- devices ----

func deviceView(d *Device) map[string]any {
	return map[string]any{
		"@odata.type":             "#microsoft.graph.managedDevice",
		"id":                      d.ID,
		"userId":                  d.UserID,
		"deviceName":              d.DeviceName,
		"managedDeviceOwnerType":  "company",
		"enrolledDateTime":        ts(d.EnrolledAt),
		"lastSyncDateTime":        ts(d.LastSync),
		"operatingSystem":         d.OperatingSystem,
		"osVersion":               d.OSVersion,
		"complianceState":         d.ComplianceState,
		"managementState":         d.ManagementState,
		"jailBroken":              "False",
		"managementAgent":         "mdm",
		"userPrincipalName":       d.UPN,
		"emailAddress":            d.UPN,
		"isEncrypted":             d.ComplianceState == "compliant",
		"deviceRegistrationState": "registered",
	}
}

// deviceMissing is Intune's 404, whose message is itself a JSON string.
func deviceMissing() *apiError {
	return &apiError{http.StatusNotFound, "ResourceNotFound", "{\"Message\": \"Resource not found\"}"}
}

func deviceFields(d *Device) fields {
	return func(n string) (any, bool) {
		switch n {
		case "userId":
			return d.UserID, true
		case "userPrincipalName":
			return d.UPN, true
		case "deviceName":
			return d.DeviceName, true
		case "id":
			return d.ID, true
		case "complianceState":
			return d.ComplianceState, true
		case "operatingSystem":
			return d.OperatingSystem, true
		}
		return nil, false
	}
}

func (e *Emulator) routeDevices(w http.ResponseWriter, r *http.Request, m string, seg []string) *apiError {
	switch {
	case len(seg) == 0 && m == http.MethodGet:
		return list(e, w, r, "microsoft.graph.managedDevice", "deviceManagement/managedDevices",
			func() []*Device { return inOrder(e.devIDs, e.devices) },
			deviceFields,
			func(d *Device) any { return deviceView(d) })
	case len(seg) == 1 && m == http.MethodGet:
		e.mu.RLock()
		d := e.devices[seg[0]]
		var j map[string]any
		if d != nil {
			j = deviceView(d)
		}
		e.mu.RUnlock()
		if d == nil {
			return deviceMissing()
		}
		j["@odata.context"] = baseURL(r) + "/v1.0/$metadata#deviceManagement/managedDevices/$entity"
		writeJSON(w, http.StatusOK, j)
		return nil
	case len(seg) == 2 && seg[1] == "retire" && m == http.MethodPost:
		e.mu.Lock()
		defer e.mu.Unlock()
		d := e.devices[seg[0]]
		if d == nil {
			return deviceMissing()
		}
		if !d.Retired() {
			d.ManagementState = "retirePending"
			if u := e.users[d.UserID]; u != nil {
				e.auditLocked("Device", "Retire device", "Delete", u, d.DeviceName)
			}
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	return noRoute(r)
}

func (e *Emulator) userDevices(w http.ResponseWriter, r *http.Request, id string) *apiError {
	e.mu.RLock()
	u := e.lookupUser(id)
	if u == nil {
		e.mu.RUnlock()
		return userMissing(id)
	}
	items := []any{}
	for _, did := range e.devIDs {
		if d := e.devices[did]; d.UserID == u.ID {
			items = append(items, deviceView(d))
		}
	}
	e.mu.RUnlock()
	e.page(w, r, "users('"+u.ID+"')/managedDevices", items)
	return nil
}
