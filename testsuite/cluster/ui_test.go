//go:build cluster

package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.yaml.in/yaml/v3"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/chaos"
	"github.com/jml-dev/jml/devstack/emulator/emutest"
	"github.com/jml-dev/jml/devstack/oidcemu"
	"github.com/jml-dev/jml/domain"
)

type uiServer struct {
	url  string
	proc *process
}

// startUI runs the Temporal UI server with its own templated
// config/docker.yaml (what the temporalio/ui image runs) and the
// environment of compose's temporal-ui service, on loopback ports.
func startUI(t *testing.T, bin, dir, frontend, intakeAddr, issuer string) *uiServer {
	out, err := exec.Command("go", "mod", "download", "-json", "github.com/temporalio/ui-server/v2@v2.42.1").Output()
	require.NoError(t, err)
	var mod struct{ Dir string }
	require.NoError(t, json.Unmarshal(out, &mod))
	root := filepath.Join(dir, "ui")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "config"), 0o755))
	tmpl, err := os.ReadFile(filepath.Join(mod.Dir, "config", "docker.yaml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(root, "config", "docker.yaml"), tmpl, 0o600))

	port := lowPort(t)
	u := fmt.Sprintf("http://127.0.0.1:%d", port)
	repo := filepath.Dir(filepath.Dir(dirOfThisPackage(t)))
	b, err := os.ReadFile(filepath.Join(repo, "docker-compose.yml"))
	require.NoError(t, err)
	var cf struct {
		Services map[string]struct {
			Environment map[string]string `yaml:"environment"`
		} `yaml:"services"`
	}
	require.NoError(t, yaml.Unmarshal(b, &cf))
	compose := cf.Services["temporal-ui"].Environment
	require.NotEmpty(t, compose)
	// compose's codec endpoint (scheme and path) on the test's intake port
	codec, err := url.Parse(compose["TEMPORAL_CODEC_ENDPOINT"])
	require.NoError(t, err)
	require.NotEmpty(t, codec.Scheme, "compose's TEMPORAL_CODEC_ENDPOINT")
	codec.Host = intakeAddr
	codecEndpoint := codec.String()
	here := map[string]string{
		"TEMPORAL_ADDRESS":            frontend,
		"TEMPORAL_UI_PORT":            fmt.Sprint(port),
		"TEMPORAL_CORS_ORIGINS":       u,
		"TEMPORAL_CODEC_ENDPOINT":     codecEndpoint,
		"TEMPORAL_AUTH_PROVIDER_URL":  issuer,
		"TEMPORAL_AUTH_CLIENT_ID":     uiClientID,
		"TEMPORAL_AUTH_CLIENT_SECRET": uiClientSecret,
		"TEMPORAL_AUTH_CALLBACK_URL":  u + "/auth/sso/callback",
	}
	env := os.Environ()
	for k, v := range compose {
		if h, ok := here[k]; ok {
			v = h
		} else if envRef.MatchString(v) {
			t.Fatalf("compose's temporal-ui asks for %s (%s), which the cluster test does not set", k, v)
		}
		env = append(env, k+"="+v)
	}
	for _, k := range []string{"TEMPORAL_UI_PORT", "TEMPORAL_CSRF_COOKIE_INSECURE"} {
		if _, ok := compose[k]; !ok && k == "TEMPORAL_UI_PORT" {
			env = append(env, k+"="+here[k])
		}
	}
	p := start(t, root, "temporal-ui-server", env, bin, "--root", root, "--config", "config", "--env", "docker", "start")
	waitTCP(t, p, fmt.Sprintf("127.0.0.1:%d", port), 60*time.Second)
	return &uiServer{url: u, proc: p}
}

func dirOfThisPackage(t *testing.T) string {
	wd, err := os.Getwd()
	require.NoError(t, err)
	return wd
}

// checkUI signs in to the UI through the OIDC issuer (a headless browser
// follows the redirects) and opens one leaver's history: its timeline
// names each step and directory, text that exists only after the codec
// endpoint decrypted the summaries with the forwarded access token.
func checkUI(t *testing.T, ui *uiServer, c client.Client, l chaos.Leaver, issuer *oidcemu.Issuer, spki string, codecCalls func() string) {
	id := contract.LifecycleWorkflowID(l.Record.EmployeeID, domain.EventLeaver, 1)
	desc, err := c.DescribeWorkflow(context.Background(), id, "")
	require.NoError(t, err)
	history := fmt.Sprintf("/namespaces/%s/workflows/%s/%s/history", namespace, url.PathEscape(id), url.PathEscape(desc.WorkflowExecution.RunID))
	want := []string{
		contract.LockOutAccount.Name + " • disable and revoke sessions · okta",
		contract.LockOutAccount.Name + " • disable and revoke sessions · entra",
		contract.VerifyDisabled.Name + " • verify · google",
		contract.AppendOffboardingLog.Name + " • offboarding log · evidence",
	}
	// The browser trusts the intake's throw-away certificate, and no other.
	ctx := emutest.Browser(t, 150*time.Second, chromedp.Flag("ignore-certificate-errors-spki-list", spki))
	wantJSON, _ := json.Marshal(want)
	labels := `[...(document.getElementById("event-history-timeline-graph")?.querySelectorAll("text") ?? [])].map(e => e.textContent.trim()).filter(l => !/^\d/.test(l))`
	all := fmt.Sprintf(`(() => { const got = %s; return %s.every(w => got.includes(w)); })()`, labels, wantJSON)
	before := issuer.Issued()
	waitErr := chromedp.Do(ctx,
		chromedp.EmulateViewport(1600, 2000),
		chromedp.Navigate(ui.url+"/auth/sso?returnUrl="+url.QueryEscape(history)),
		ignore(chromedp.Poll[bool](all, chromedp.WithPollingInterval(500*time.Millisecond), chromedp.WithPollingTimeout(90*time.Second))),
	)
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](labels))
	require.NoError(t, err)
	shot, _ := chromedp.Run(ctx, chromedp.FullScreenshot(90))
	_ = os.WriteFile("/tmp/cluster-ui.png", shot, 0o644)
	loc, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`))
	require.Greater(t, issuer.Issued(), before, "the UI signed its user in through the OIDC issuer (at %s)", loc)
	if waitErr != nil {
		t.Fatalf("the UI's timeline of %s did not show the decoded summaries (%v) at %s; rows:\n%s\nscreenshot /tmp/cluster-ui.png\ncodec answers (serve's metrics): %s\nUI log:\n%s",
			id, waitErr, loc, strings.Join(rows, "\n"), codecCalls(), ui.proc.tail())
	}
	t.Logf("UI: %s shows %d timeline rows decoded through the codec endpoint with the OIDC access token", history, len(rows))
	_ = bytes.MinRead
}

func ignore[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, t)
		return chromedp.Void{}, err
	}
}
