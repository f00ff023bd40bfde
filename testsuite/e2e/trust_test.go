package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/slackemu"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/starters/elevation"
	"github.com/jml-dev/jml/starters/intake"
	"github.com/jml-dev/jml/testsuite/harness"
	"github.com/jml-dev/jml/workers"
)

// elevationCase is a requester outside IT with a compliant device and MFA,
// and their manager, both known to jml from HR.
func elevationCase(t *testing.T, e *harness.Env) (who, mgr demoorg.Employee) {
	t.Helper()
	for _, emp := range e.Org.Employees[len(demoorg.Departments):] {
		if emp.Department != "IT" && emp.DeviceOK && emp.MFA && len(emp.AdminRoles) == 0 {
			who = emp
			break
		}
	}
	require.NotEmpty(t, who.EmployeeID)
	mgr = byID(t, e, who.ManagerEmployeeID)
	for _, emp := range []demoorg.Employee{who, mgr} {
		sendHR(t, e, emp.Record)
		eventually(t, e, emp.EmployeeID, "HR record accepted", func() (bool, string) {
			st, err := employeeState(e, emp.EmployeeID)
			return err == nil && st.Record != nil, fmt.Sprint(err)
		})
	}
	return who, mgr
}

// requestThroughSlack asks with /elevate and returns the request id and the
// approval DM the manager got.
func requestThroughSlack(t *testing.T, e *harness.Env, who, mgr demoorg.Employee) (string, slackemu.Message) {
	t.Helper()
	status, body, err := e.Emulators.Slack.SlashCommand(context.Background(), who.Email, "/elevate", "entra-user-admin 1h reset a locked account")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, body)
	m := regexp.MustCompile(`request ([0-9a-f-]{36})`).FindStringSubmatch(body)
	require.NotNil(t, m, body)
	var approval slackemu.Message
	eventually(t, e, who.EmployeeID, "approval DM to the manager", func() (bool, string) {
		for _, msg := range e.Emulators.Slack.MessagesTo(mgr.Email) {
			for _, b := range msg.Buttons {
				if b.Value == m[1]+":approve" {
					approval = msg
					return true, ""
				}
			}
		}
		return false, fmt.Sprintf("%d DMs", len(e.Emulators.Slack.MessagesTo(mgr.Email)))
	})
	return m[1], approval
}

// TestSelfApprovalThroughDirectoryAttributeRefused is the attack of issue
// 10: the requester, who can edit Entra users, sets their own employeeId to
// their manager's and presses Approve on their own request. jml knows who
// pressed from HR (their Slack email is their HR work email, not the
// manager's) and compares Slack ids: refused, recorded, still pending.
func TestSelfApprovalThroughDirectoryAttributeRefused(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{})
	ctx := context.Background()
	who, mgr := elevationCase(t, e)
	requestID, approval := requestThroughSlack(t, e, who, mgr)
	wid := contract.ElevationWorkflowID(requestID)

	// The attack: PATCH their own Entra user, through Graph, as an admin would.
	u, ok := e.Emulators.Graph.UserByEmployeeID(who.EmployeeID)
	require.True(t, ok)
	patch, _ := json.Marshal(map[string]string{"employeeId": mgr.EmployeeID})
	req, err := http.NewRequest(http.MethodPatch, e.Emulators.Graph.URL()+"/v1.0/users/"+u.ID, bytes.NewReader(patch))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+e.Emulators.Creds.Graph)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Less(t, resp.StatusCode, 300)
	forged, _ := e.Emulators.Graph.User(u.ID)
	require.Equal(t, mgr.EmployeeID, forged.EmployeeID, "Entra now says the requester is the manager")

	status, body, err := e.Emulators.Slack.Press(ctx, approval.TS, "approve", who.Email)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "Refused")
	assert.NotContains(t, body, "Recorded: approve")

	st := elevationState(t, e, wid)
	assert.Equal(t, domain.ElevationPending, st.Status)
	require.Len(t, st.Decisions, 1, "the attempt is recorded")
	d := st.Decisions[0]
	assert.Equal(t, domain.DecisionRefused, d.Result)
	assert.Equal(t, "U"+who.EmployeeID, d.Actor.SlackUserID)
	assert.Equal(t, who.EmployeeID, d.Actor.EmployeeID, "HR says who pressed, not Entra")
	assert.Equal(t, "U"+mgr.EmployeeID, st.ApprovalMessage.ApproverSlackUserID, "the approver's Slack id, by their HR email")
	assert.Equal(t, "U"+who.EmployeeID, st.ApprovalMessage.RequesterSlackUserID)
	assert.Empty(t, e.Emulators.Graph.RoleAssignments(who.Email), "nothing granted")

	// /elevate by the same Slack user still asks as the requester, never
	// as the employee id Entra now shows.
	status, body, err = e.Emulators.Slack.SlashCommand(ctx, who.Email, "/elevate", "entra-user-admin 1h again")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	m := regexp.MustCompile(`request ([0-9a-f-]{36})`).FindStringSubmatch(body)
	require.NotNil(t, m, body)
	assert.Equal(t, who.EmployeeID, elevationState(t, e, contract.ElevationWorkflowID(m[1])).RequesterEmployeeID)

	// The manager's own press approves.
	status, body, err = e.Emulators.Slack.Press(ctx, approval.TS, "approve", "")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "Recorded: approve")
	st = elevationState(t, e, wid)
	require.Len(t, st.Decisions, 2)
	assert.Equal(t, contract.Actor{EmployeeID: mgr.EmployeeID, SlackUserID: "U" + mgr.EmployeeID, Via: "slack"}, st.Decisions[1].Actor)
}

// TestIdentifyFromHR: who a Slack user is, as the intake resolves it, case
// by case, against the real Slack and Graph emulators and the HR records
// the Employee workflows hold.
func TestIdentifyFromHR(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{})
	ctx := context.Background()
	who, mgr := elevationCase(t, e)
	unknown := e.Org.Employees[len(e.Org.Employees)-1] // no HR record sent
	require.NotEqual(t, unknown.EmployeeID, who.EmployeeID)
	require.NotEqual(t, unknown.EmployeeID, mgr.EmployeeID)
	deps, err := workers.BuildDeps(ctx, e.Config)
	require.NoError(t, err)
	ident := elevation.SlackIdentity{Slack: deps.Slack, Directories: deps.Directories, Order: e.Config.EnabledDirectories(), Client: e.Client}

	// The manager's Entra account now carries the requester's id: still the manager.
	u, _ := e.Emulators.Graph.UserByEmployeeID(mgr.EmployeeID)
	patch, _ := json.Marshal(map[string]string{"employeeId": who.EmployeeID})
	req, _ := http.NewRequest(http.MethodPatch, e.Emulators.Graph.URL()+"/v1.0/users/"+u.ID, bytes.NewReader(patch))
	req.Header.Set("Authorization", "Bearer "+e.Emulators.Creds.Graph)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()

	cases := []struct {
		name, slackID, want string
	}{
		{"requester", "U" + who.EmployeeID, who.EmployeeID},
		{"manager whose Entra employeeId was edited", "U" + mgr.EmployeeID, mgr.EmployeeID},
		{"member jml holds no HR record for", "U" + unknown.EmployeeID, ""},
		{"no such Slack member", "UNOBODY1", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ident.Identify(ctx, tc.slackID)
			require.NoError(t, err)
			assert.Equal(t, tc.want, a.EmployeeID)
			assert.Equal(t, tc.slackID, a.SlackUserID)
		})
	}
}

// TestReplayAcrossIntakeReplicas: a signed delivery accepted by one intake
// and replayed to a second one (its own memory has never seen it) is a
// no-op in Temporal: an HR termination since cancelled does not come back,
// a refused press is not recorded twice, and /elevate names the same request.
func TestReplayAcrossIntakeReplicas(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{})
	second, err := intake.FromConfig(e.Config, e.Client, e.Keys, zerolog.Nop())
	require.NoError(t, err)
	require.NoError(t, second.Start()) // a second replica, its own memory

	t.Cleanup(func() { _ = second.Shutdown(context.Background()) })
	a, b := e.IntakeURL(), "http://"+second.Addr()

	// HR: a termination, its cancellation, then the termination replayed to b.
	who, mgr := elevationCase(t, e)
	term := who.Record
	term.Status = domain.HRTerminated
	term.TerminationDate = time.Now().AddDate(0, 1, 0).Format(time.DateOnly)
	termBody, _ := json.Marshal(term)
	ts, sig := intake.Sign(e.Config.Secrets.HRWebhookSecret.Reveal(), time.Now(), termBody)
	hrPost := func(base string, body []byte, ts, sig string) int {
		req, _ := http.NewRequest(http.MethodPost, base+"/hr/records", bytes.NewReader(body))
		req.Header.Set(intake.HeaderTimestamp, ts)
		req.Header.Set(intake.HeaderSignature, sig)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusAccepted, hrPost(a, termBody, ts, sig))
	eventually(t, e, who.EmployeeID, "termination scheduled", func() (bool, string) {
		st, err := employeeState(e, who.EmployeeID)
		return err == nil && st.Terminated, string(st.Status)
	})
	cancel := who.Record
	cancel.CostCenter = "CC-cancel" // a body of its own: not a replay of the first record
	sendHR(t, e, cancel)            // HR cancels it
	eventually(t, e, who.EmployeeID, "termination cancelled", func() (bool, string) {
		st, err := employeeState(e, who.EmployeeID)
		return err == nil && !st.Terminated, string(st.Status)
	})
	assert.Equal(t, http.StatusUnauthorized, hrPost(a, termBody, ts, sig), "a replays it: its own memory refuses")
	assert.Equal(t, http.StatusAccepted, hrPost(b, termBody, ts, sig), "b has never seen it and passes it on")
	fresh := who.Record
	fresh.CostCenter = "CC-fresh"
	sendHR(t, e, fresh) // a fresh delivery after the replay: once it is in, the replay was handled
	eventually(t, e, who.EmployeeID, "fresh delivery received", func() (bool, string) {
		st, err := employeeState(e, who.EmployeeID)
		return err == nil && len(st.Deliveries) == 4, fmt.Sprint(st.Deliveries)
	})
	st, err := employeeState(e, who.EmployeeID)
	require.NoError(t, err)
	assert.False(t, st.Terminated, "the replayed termination did nothing")
	for _, p := range st.Pending {
		assert.NotEqual(t, domain.EventLeaver, p.Event)
	}

	// Slack: /elevate signed once, sent to both.
	secret := e.Emulators.Creds.SlackSigning
	slackPost := func(base, path, body string, at time.Time) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(at.Unix(), 10))
		req.Header.Set("X-Slack-Signature", slackemu.Sign(secret, at.Unix(), []byte(body)))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	now := time.Now()
	slash := url.Values{"command": {"/elevate"}, "text": {"entra-user-admin 1h reset a locked account"}, "user_id": {"U" + who.EmployeeID}}.Encode()
	idRe := regexp.MustCompile(`request ([0-9a-f-]{36})`)
	_, r1 := slackPost(a, "/slack/commands", slash, now)
	_, r2 := slackPost(b, "/slack/commands", slash, now)
	m1, m2 := idRe.FindStringSubmatch(r1), idRe.FindStringSubmatch(r2)
	require.NotNil(t, m1, r1)
	require.NotNil(t, m2, r2)
	assert.Equal(t, m1[1], m2[1], "the replay found the request it started")
	_, r3 := slackPost(b, "/slack/commands", slash, now.Add(-time.Second))
	m3 := idRe.FindStringSubmatch(r3)
	require.NotNil(t, m3, r3)
	assert.NotEqual(t, m1[1], m3[1], "a new /elevate is a new request")

	// A refused press (by the requester), sent to both: recorded once.
	press, _ := json.Marshal(map[string]any{"type": "block_actions", "user": map[string]any{"id": "U" + who.EmployeeID},
		"actions": []map[string]any{{"type": "button", "action_id": "approve", "block_id": "jml_approval", "value": m1[1] + ":approve"}}})
	pressBody := url.Values{"payload": {string(press)}}.Encode()
	_, p1 := slackPost(a, "/slack/interactivity", pressBody, now)
	_, p2 := slackPost(b, "/slack/interactivity", pressBody, now)
	assert.Contains(t, p1, "Refused")
	assert.Contains(t, p2, "Refused", "the replay gets the first answer")
	el := elevationState(t, e, contract.ElevationWorkflowID(m1[1]))
	assert.Len(t, el.Decisions, 1, "the replayed press is not recorded again")
	assert.Equal(t, domain.ElevationPending, el.Status)
	assert.Equal(t, mgr.EmployeeID, el.ApproverEmployeeID)
}

// TestJoinerDMShowsHRMarkupAsTyped: an HR name carrying Slack markup
// reaches the manager's joiner DM as text, not as a live link and an @here.
func TestJoinerDMShowsHRMarkupAsTyped(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{})
	rec := e.Org.Joiners[0]
	manager := e.Org.Employees[1]
	rec.StartDate = time.Now().In(rec.TimeZone()).AddDate(0, 0, -1).Format(time.DateOnly)
	rec.ManagerEmployeeID = manager.EmployeeID
	rec.GivenName = "<http://evil.example|Click to approve> <!here>"
	sendHR(t, e, rec)
	eventually(t, e, rec.EmployeeID, "manager told", func() (bool, string) {
		return len(e.Emulators.Slack.MessagesTo(manager.Email)) > 0, "not yet"
	})
	for _, m := range e.Emulators.Slack.MessagesTo(manager.Email) {
		all := m.Text + string(m.Blocks)
		assert.NotContains(t, all, "<http://evil.example")
		assert.NotContains(t, all, "<!here>")
		assert.Contains(t, m.Text, "&lt;http://evil.example|Click to approve&gt; &lt;!here&gt;")
	}
}
