package graphemu

import (
	"net/http"
	"time"

	"github.com/google/uuid"
)

// ---- audit logs ----

func (e *Emulator) listSignIns(w http.ResponseWriter, r *http.Request) *apiError {
	return list(e, w, r, "signIn", "auditLogs/signIns",
		func() []*SignIn {
			return retained(e, newestFirst(e.signIns), func(s *SignIn) time.Time { return s.Time })
		},
		func(s *SignIn) fields {
			return func(n string) (any, bool) {
				switch n {
				case "createdDateTime":
					return s.Time, true
				case "userId":
					return s.UserID, true
				case "userPrincipalName":
					return s.UPN, true
				case "appDisplayName":
					return s.App, true
				case "id":
					return s.ID, true
				}
				return nil, false
			}
		},
		signInView)
}

func signInView(s *SignIn) any {
	status := map[string]any{"errorCode": s.ErrorCode, "failureReason": "Other.", "additionalDetails": nil}
	if s.ErrorCode != 0 {
		status["failureReason"] = s.Failure
	}
	return map[string]any{
		"id": s.ID, "createdDateTime": ts(s.Time), "userDisplayName": s.DisplayName, "userPrincipalName": s.UPN,
		"userId": s.UserID, "appId": "00000002-0000-0ff1-ce00-000000000000", "appDisplayName": s.App,
		"ipAddress": s.IP, "clientAppUsed": "Browser", "correlationId": uuid.NewSHA1(uuid.NameSpaceOID, []byte(s.ID)).String(),
		"conditionalAccessStatus": "success", "isInteractive": true, "riskDetail": "none",
		"riskLevelAggregated": "none", "riskLevelDuringSignIn": "none", "riskState": "none",
		"riskEventTypes_v2": []string{}, "resourceDisplayName": "Office 365 Exchange Online",
		"status": status,
		"deviceDetail": map[string]any{"deviceId": s.DeviceID, "displayName": "", "operatingSystem": "Windows10",
			"browser": "Edge 120.0.0", "isCompliant": s.Compliant, "isManaged": s.DeviceID != "", "trustType": ""},
		"location": map[string]any{"city": "London", "state": "England", "countryOrRegion": "GB"},
	}
}

func (e *Emulator) listAudits(w http.ResponseWriter, r *http.Request) *apiError {
	return list(e, w, r, "directoryAudit", "auditLogs/directoryAudits",
		func() []*Audit { return retained(e, newestFirst(e.audits), func(a *Audit) time.Time { return a.Time }) },
		func(a *Audit) fields {
			return func(n string) (any, bool) {
				switch n {
				case "activityDateTime":
					return a.Time, true
				case "category":
					return a.Category, true
				case "activityDisplayName":
					return a.Activity, true
				case "result":
					return a.Result, true
				case "id":
					return a.ID, true
				}
				return nil, false
			}
		},
		auditView)
}

func auditView(a *Audit) any {
	return map[string]any{
		"id": a.ID, "category": a.Category, "correlationId": a.ID, "result": a.Result, "resultReason": "",
		"activityDisplayName": a.Activity, "activityDateTime": ts(a.Time), "loggedByService": "Core Directory",
		"operationType": a.Operation,
		"initiatedBy": map[string]any{"app": map[string]any{"appId": "00000000-0000-0000-0000-00000000a11c",
			"displayName": a.InitiatedBy, "servicePrincipalId": "00000000-0000-0000-0000-00000000a11c", "servicePrincipalName": a.InitiatedBy}, "user": nil},
		"targetResources": []any{map[string]any{"id": a.TargetID, "displayName": nil, "type": a.TargetType,
			"userPrincipalName": a.TargetUPN, "groupType": nil,
			"modifiedProperties": []any{map[string]any{"displayName": "Detail", "oldValue": nil, "newValue": a.Modified}}}},
		"additionalDetails": []any{},
	}
}

// auditLocked records a directoryAudit for the emulator's own mutations.
func (e *Emulator) auditLocked(category, activity, op string, u *User, detail string) {
	e.audits = append(e.audits, Audit{
		ID: uuid.NewString(), Time: e.nowLocked(), Category: category, Activity: activity, Operation: op,
		Result: "success", TargetID: u.ID, TargetUPN: u.UserPrincipalName, TargetType: "User", Modified: detail,
		InitiatedBy: "jml",
	})
}
