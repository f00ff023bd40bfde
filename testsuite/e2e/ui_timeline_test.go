package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/jml-dev/jml/devstack/emulator/emutest"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/devserver"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/testsuite/harness"
	"github.com/jml-dev/jml/workers/codec"
)

// TestLeaverTimelineNamesDirectories is issue 9's proof that the Temporal UI
// tells an operator the story: a leaver runs to completion with payload
// encryption on, and the Web UI, reading the history through the intake's
// codec endpoint as `jml dev` sets it up, labels each activity on its
// timeline "<type> • <step> · <directory>", so three RemoveAccessAndDevices
// rows say which directory each is.
func TestLeaverTimelineNamesDirectories(t *testing.T) {
	// The UI must know the codec endpoint when it starts, so the intake's
	// port is chosen first; the shared test server has no UI.
	uiPort, err := devserver.FreePort()
	require.NoError(t, err)
	intakePort, err := devserver.FreePort()
	require.NoError(t, err)
	intakeAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(intakePort))
	uiURL := fmt.Sprintf("http://127.0.0.1:%d", uiPort)
	server, err := devserver.StartServer(context.Background(), devserver.ServerOptions{
		UIPort: uiPort, ExtraArgs: []string{"--ui-codec-endpoint", "http://" + intakeAddr + "/codec"},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = server.Stop() })

	key, err := codec.GenerateKey("ui1")
	require.NoError(t, err)
	keys, err := codec.NewKeyring(key)
	require.NoError(t, err)
	e := harness.Start(t, harness.EnvOptions{Server: server, Keys: keys, Configure: func(c *config.Config) {
		c.Intake.Listen = intakeAddr
		c.Intake.UIOrigin = uiURL
		c.Intake.CodecWithoutToken = true // the dev UI has no sign-in, as in jml dev
	}})

	// E0014, an IT admin with standing roles, devices and apps, leaves now.
	rec := e.Org.Employees[13].Record
	rec.Status = domain.HRTerminated
	rec.TerminationEffectiveAt = time.Now().UTC().Truncate(time.Second)
	sendHR(t, e, rec)
	var leaverID string
	eventually(t, e, rec.EmployeeID, "leaver finished", func() (bool, string) {
		st, err := employeeState(e, rec.EmployeeID)
		if err != nil {
			return false, err.Error()
		}
		if c := st.LastChange; c != nil && c.Event == domain.EventLeaver && !c.CompletedAt.IsZero() {
			leaverID = c.WorkflowID
			return c.Error == "", "leaver failed: " + c.Error
		}
		return false, "no finished leaver yet"
	})
	ctx := context.Background()
	desc, err := e.Client.DescribeWorkflow(ctx, leaverID, "")
	require.NoError(t, err)
	require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, desc.Status)
	runID := desc.WorkflowExecution.RunID

	// What the timeline must say, one row per activity: its type, then its
	// summary, the step and the directory ("VerifyDisabled • verify · entra").
	// Each enabled directory's steps, each SCIM app's deprovisioning.
	pol := e.Config.Policy()
	require.Subset(t, pol.Directories, []string{"entra", "okta", "google"})
	require.NotEmpty(t, pol.Apps)
	require.True(t, pol.RetireDevices, "the demo retires devices: three RemoveAccessAndDevices rows ending in retire devices")
	row := func(activity, summary string) string { return activity + " • " + summary }
	var want []string
	for _, d := range pol.Directories {
		// leaver-three-steps: a lane is three activities.
		want = append(want,
			row(contract.LockOutAccount.Name, "disable and revoke sessions · "+d),
			row(contract.RemoveAccessAndDevices.Name, "remove access and retire devices · "+d),
			row(contract.VerifyDisabled.Name, "verify · "+d))
	}
	for _, a := range pol.Apps {
		want = append(want, row(contract.DeprovisionApp.Name, "deprovision app · scim:"+a))
	}
	want = append(want, row(contract.AppendOffboardingLog.Name, "offboarding log · evidence"))

	page := fmt.Sprintf("%s/namespaces/%s/workflows/%s/%s/history", uiURL,
		url.PathEscape(e.Config.Temporal.Namespace), url.PathEscape(leaverID), url.PathEscape(runID))
	rows, shot := timelineRows(t, page, want)
	for _, w := range want {
		assert.Contains(t, rows, w, "the leaver's timeline in the UI names the step and the directory")
	}
	require.NoError(t, os.WriteFile("/tmp/leaver-ui.png", shot, 0o644))
	t.Logf("UI page %s; screenshot copied to /tmp/leaver-ui.png", page)

	// The summaries are user metadata payloads, encrypted at rest like
	// every payload: the UI's text came through the codec endpoint.
	assertSummariesEncrypted(t, e, leaverID, runID)
}

// assertSummariesEncrypted reads the raw history without the codec: every
// scheduled activity has a summary, and none is readable there.
func assertSummariesEncrypted(t *testing.T, e *harness.Env, id, runID string) {
	t.Helper()
	raw, err := client.Dial(client.Options{HostPort: e.Config.Temporal.Address, Namespace: e.Config.Temporal.Namespace})
	require.NoError(t, err)
	defer raw.Close()
	it := raw.GetWorkflowHistory(context.Background(), id, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	n := 0
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		if ev.GetActivityTaskScheduledEventAttributes() == nil {
			continue
		}
		n++
		s := ev.GetUserMetadata().GetSummary()
		require.NotNil(t, s, "activity %s scheduled without a summary", ev.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName())
		assert.Equal(t, codec.MetadataEncodingEncrypted, string(s.GetMetadata()["encoding"]))
		assert.NotContains(t, string(s.GetData()), " · ")
	}
	require.NotZero(t, n, "the leaver scheduled activities")
}

// timelineID is the element of UI 2.42's event history timeline (an SVG
// with one text label per activity, "<type> • <summary>", besides the time
// axis's, which start with a digit and are left out).
const timelineID = "event-history-timeline-graph"

// timelineRows opens page in headless Chromium, waits until its timeline
// shows every string of want (or times out) and returns the timeline's
// labels and a screenshot of the page, also saved in the test's temp folder.
func timelineRows(t *testing.T, page string, want []string) ([]string, []byte) {
	t.Helper()
	ctx := emutest.Browser(t, 120*time.Second)

	wantJSON, err := json.Marshal(want)
	require.NoError(t, err)
	labels := fmt.Sprintf(`[...(document.getElementById(%q)?.querySelectorAll("text") ?? [])].map(e => e.textContent.trim()).filter(l => !/^\d/.test(l))`, timelineID)
	// The history loads, and is decoded through the codec, after the page
	// does: poll the timeline until every row is there.
	all := fmt.Sprintf(`(() => { const got = %s; return %s.every(w => got.includes(w)); })()`, labels, wantJSON)
	waitErr := chromedp.Do(ctx,
		// Tall enough for the header and the whole timeline: the UI scrolls
		// inside its own panes, which a screenshot does not follow.
		chromedp.EmulateViewport(1600, 2000),
		chromedp.Navigate(page),
		ignore(chromedp.Poll[bool](all, chromedp.WithPollingInterval(250*time.Millisecond), chromedp.WithPollingTimeout(60*time.Second))),
	)
	// Whatever the wait said, keep what the timeline shows, for the message.
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](labels))
	require.NoError(t, err, "reading the timeline")
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err, "screenshot")
	require.NoError(t, os.WriteFile(filepath.Join(t.TempDir(), "leaver-ui.png"), shot, 0o644))
	if waitErr != nil {
		_ = os.WriteFile("/tmp/leaver-ui.png", shot, 0o644)
		t.Fatalf("the UI's timeline did not show every summary: %v\ntimeline rows:\n%s", waitErr, strings.Join(rows, "\n"))
	}
	return rows, shot
}

// ignore drops a valued action's value.
func ignore[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, t)
		return chromedp.Void{}, err
	}
}
