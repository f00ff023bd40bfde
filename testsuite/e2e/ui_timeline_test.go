package e2e

import (
	"context"
	"encoding/json"
	"fmt"
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
	"github.com/jml-dev/jml/devstack/devserver"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/testsuite/harness"
	"github.com/jml-dev/jml/workers/codec"
)

// chromiumPath is where Debian's `chromium` package installs the browser.
const chromiumPath = "/usr/bin/chromium"

// TestLeaverTimelineNamesDirectories is issue 9's proof that the Temporal UI
// tells an operator the story: a leaver runs to completion with payload
// encryption on, and the Web UI, reading the history through the intake's
// codec endpoint as `jml dev` sets it up, shows one "<step> · <directory>"
// summary per step and directory.
func TestLeaverTimelineNamesDirectories(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("headless UI test needs Chromium at %s (Debian: apt-get install -y chromium): %v", chromiumPath, err)
	}
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

	// What the timeline must say: each step of each enabled directory and
	// the deprovisioning of each SCIM app.
	pol := e.Config.Policy()
	require.Subset(t, pol.Directories, []string{"entra", "okta", "google"})
	require.NotEmpty(t, pol.Apps)
	var want []string
	for _, d := range pol.Directories {
		for _, s := range []string{"disable", "revoke sessions", "remove access", "verify"} {
			want = append(want, s+" · "+d)
		}
	}
	for _, a := range pol.Apps {
		want = append(want, "deprovision app · scim:"+a)
	}

	// The summaries are user metadata payloads: encrypted at rest, so the
	// text the UI shows came through the codec endpoint.
	assertSummariesEncrypted(t, e, leaverID, runID)

	page := fmt.Sprintf("%s/namespaces/%s/workflows/%s/%s/history", uiURL,
		url.PathEscape(e.Config.Temporal.Namespace), url.PathEscape(leaverID), url.PathEscape(runID))
	text, shot := readUI(t, page, want)
	for _, w := range want {
		assert.Contains(t, text, w, "the leaver's timeline in the UI names the step and the directory")
	}
	require.NoError(t, os.WriteFile("/tmp/leaver-ui.png", shot, 0o644))
	t.Logf("UI page %s; screenshot at /tmp/leaver-ui.png", page)
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

// readUI opens page in headless Chromium, waits until it shows every
// string of want (or times out), and returns the page's text and a
// screenshot, also saved in the test's temp folder.
func readUI(t *testing.T, page string, want []string) (string, []byte) {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	// The timeout bounds the whole browser; chromedp wants no timeout on
	// the first Run's own context.
	bctx, cancelB := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancelB()
	actx, cancelA := chromedp.NewExecAllocator(bctx, opts...)
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()

	wantJSON, err := json.Marshal(want)
	require.NoError(t, err)
	// The history loads, and is decoded through the codec, after the page
	// does: poll its text until every summary is there.
	all := fmt.Sprintf(`%s.every(w => document.body && document.body.innerText.includes(w))`, wantJSON)
	waitErr := chromedp.Do(ctx,
		chromedp.Navigate(page),
		ignore(chromedp.Poll[bool](all, chromedp.WithPollingInterval(250*time.Millisecond), chromedp.WithPollingTimeout(60*time.Second))),
	)
	// Whatever the wait said, keep what the page shows, for the message.
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	require.NoError(t, err, "reading the page")
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err, "screenshot")
	require.NoError(t, os.WriteFile(filepath.Join(t.TempDir(), "leaver-ui.png"), shot, 0o644))
	if waitErr != nil {
		_ = os.WriteFile("/tmp/leaver-ui.png", shot, 0o644)
		t.Fatalf("the UI did not show every summary: %v\npage text:\n%s", waitErr, strings.TrimSpace(text))
	}
	return text, shot
}

// ignore drops a valued action's value.
func ignore[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, t)
		return chromedp.Void{}, err
	}
}
