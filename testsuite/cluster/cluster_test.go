//go:build cluster

// Package cluster is the production-shape test (make test-cluster): a
// Temporal server built from the module proxy on a throw-away PostgreSQL,
// two `jml worker` processes and a `jml serve` configured by environment
// exactly as docker-compose.yml configures them, the emulators, the
// Temporal UI server with OIDC sign-in and jml's codec endpoint. A burst
// of leavers goes in through the signed intake, one worker is SIGKILLed
// mid-burst and restarted, and the end state, the rate the directories saw
// and the metrics are checked.
package cluster

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.yaml.in/yaml/v3"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/devstack/chaos"
	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/devserver"
	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/devstack/emulators"
	"github.com/jml-dev/jml/devstack/oidcemu"
	"github.com/jml-dev/jml/devstack/tlscert"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/starters/intake"
	"github.com/jml-dev/jml/workers"
	"github.com/jml-dev/jml/workers/codec"
)

// leavers is the burst's size; JML_CLUSTER_LEAVERS makes it smaller when
// debugging a later step (make test-cluster runs 200).
var leavers = envInt("JML_CLUSTER_LEAVERS", 200)

const (
	namespace = "default"
	// Scaled limits: Okta's users endpoints at 300 per 10 s (its published
	// 600/min for /api/v1/users, sped up 3x so the burst takes about a
	// minute). Every worker is configured with the whole budget (93% of
	// the quota, as jml bench burst does) and divides it by the workers
	// live on the task queue (workers/budget.go): that is what is tested.
	oktaWindow     = 10 * time.Second
	oktaPerWindow  = 300
	oktaBudget     = oktaPerWindow * int(time.Minute/oktaWindow) * 93 / 100
	uiClientID     = "temporal-ui"
	uiClientSecret = "cluster-test-ui-client-secret"
)

func TestClusterBurst(t *testing.T) {
	root, err := devserver.RepoRoot()
	require.NoError(t, err)
	bins := binDir(t, root)
	for _, b := range []string{"temporal-server", "temporal-sql-tool", "temporal-ui-server"} {
		_, err := os.Stat(filepath.Join(bins, b))
		require.NoError(t, err, "make test-cluster builds %s into %s", b, bins)
	}
	dir := t.TempDir()
	logf := func(format string, a ...any) {
		t.Logf("%s "+format, append([]any{time.Now().Format("15:04:05")}, a...)...)
	}

	// The jml binary, as the Dockerfile builds it.
	jml := filepath.Join(dir, "jml")
	build := exec.Command("go", "build", "-o", jml, "./cmd/jml")
	build.Dir = root
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)

	pg := startPostgres(t)
	setupSchema(t, filepath.Join(bins, "temporal-sql-tool"), serverSchemaRoot(t), pg)
	logf("PostgreSQL on 127.0.0.1:%d, schema set up", pg.port)
	ts := startTemporal(t, filepath.Join(bins, "temporal-server"), dir, pg)
	setupNamespace(t, ts.frontend, namespace)
	logf("Temporal server on %s", ts.frontend)

	// Emulators, with Okta's users endpoints limited.
	org := demoorg.New(leavers+60, 0)
	creds := emulators.DemoCredentials()
	emus, err := emulators.Start(emulators.Options{Org: org, Creds: creds})
	require.NoError(t, err)
	t.Cleanup(func() { emus.Close() })
	emus.Okta.SetLimit("users", emulator.Limit{Requests: oktaPerWindow, Window: oktaWindow})
	issuer, err := oidcemu.Start("127.0.0.1:0", oidcemu.Config{ClientID: uiClientID, ClientSecret: uiClientSecret, Subject: "it-operator"})
	require.NoError(t, err)
	t.Cleanup(func() { issuer.Close() })

	// The UI first: the intake's codec endpoint must allow its origin. The
	// intake serves HTTPS with a throw-away certificate, as compose's
	// jml-serve does with yours: the UI forwards the user's token to an
	// https codec endpoint only.
	intakeAddr := fmt.Sprintf("127.0.0.1:%d", lowPort(t))
	cert, err := tlscert.Write(dir)
	require.NoError(t, err)
	ui := startUI(t, filepath.Join(bins, "temporal-ui-server"), dir, ts.frontend, intakeAddr, issuer.URL())

	cfgPath, cfg := writeConfig(t, dir, emus, creds) // the UI origin comes by environment, as compose sets it
	key, err := codec.GenerateKey("cluster1")
	require.NoError(t, err)
	vals := map[string]string{
		"JML_TEMPORAL_ADDRESS":     ts.frontend,
		"JML_INTAKE_LISTEN":        intakeAddr,
		"JML_INTAKE_TLS_CERT_FILE": cert.CertFile,
		"JML_INTAKE_TLS_KEY_FILE":  cert.KeyFile,
		"JML_HR_WEBHOOK_SECRET":    creds.HRWebhook,
		"JML_CODEC_KEYS":           key.ID + ":" + base64.StdEncoding.EncodeToString(key.Secret),
		"JML_CODEC_SERVER_TOKEN":   secret(t),
		"JML_CODEC_OIDC_ISSUER":    issuer.URL(),
		"JML_SLACK_BOT_TOKEN":      creds.SlackBot,
		"JML_SLACK_SIGNING_SECRET": creds.SlackSigning,
		"JML_EVIDENCE_DIR":         cfg.Evidence.Dir,
		"JML_INTAKE_UI_ORIGIN":     ui.url, // compose: the UI's own address
	}
	envs := map[string][]string{"worker": composeEnv(t, root, "jml-worker", vals, creds), "serve": composeEnv(t, root, "jml-serve", vals, creds)}

	metricsAddr := map[string]string{}
	startJML := func(name string, args ...string) *process {
		if metricsAddr[name] == "" {
			metricsAddr[name] = fmt.Sprintf("127.0.0.1:%d", lowPort(t))
		}
		e := append(append([]string{}, envs[args[0]]...), "JML_METRICS_LISTEN="+metricsAddr[name])
		p := start(t, dir, name, e, jml, append(args, "--config", cfgPath)...)
		waitTCP(t, p, metricsAddr[name], 60*time.Second)
		return p
	}
	w1 := startJML("worker-1", "worker")
	startJML("worker-2", "worker")
	serve := startJML("serve", "serve")
	waitTCP(t, serve, intakeAddr, 30*time.Second)
	logf("two jml workers and jml serve up; UI at %s", ui.url)

	// The burst: every leaver at once, through the signed intake.
	rng := mrand.New(mrand.NewSource(time.Now().UnixNano()))
	pool := org.Employees[len(demoorg.Departments):]
	var burst []chaos.Leaver
	now := time.Now().UTC().Truncate(time.Second)
	for _, i := range rng.Perm(len(pool))[:leavers] {
		rec := pool[i].Record
		rec.Status, rec.TerminationEffectiveAt = domain.HRTerminated, now
		burst = append(burst, chaos.Leaver{Employee: pool[i], Record: rec})
	}
	start := time.Now()
	https := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: cert.Pool()}}}
	statuses := sendBurst(t, https, "https://"+intakeAddr, creds.HRWebhook, burst)
	logf("burst of %d leavers accepted in %v (answers %v)", leavers, time.Since(start).Round(time.Millisecond), statuses)

	// One worker SIGKILLed at a random moment mid-burst, then restarted.
	oktaCalls := func() int { return sum(emus.Okta.Counts()) }
	killAt := leavers * (2 + rng.Intn(5)) // of some 16 Okta calls a leaver
	var scrapes []scrape
	var scrapeMu sync.Mutex
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	scrapeDone := make(chan struct{})
	go func() { // scrape every process during the burst
		defer close(scrapeDone)
		for ctx.Err() == nil {
			for name, addr := range metricsAddr {
				if s, err := getMetrics(addr); err == nil {
					scrapeMu.Lock()
					scrapes = append(scrapes, scrape{name: name, at: time.Now(), text: s})
					scrapeMu.Unlock()
				}
			}
			select {
			case <-ctx.Done():
			case <-time.After(2 * time.Second):
			}
		}
	}()
	for oktaCalls() < killAt && time.Since(start) < 5*time.Minute {
		time.Sleep(20 * time.Millisecond)
	}
	killTime = time.Now()
	w1.kill()
	logf("SIGKILLed worker-1 after %d Okta calls", oktaCalls())
	time.Sleep(time.Duration(500+rng.Intn(1500)) * time.Millisecond)
	startJML("worker-1", "worker")
	logf("worker-1 restarted")

	cfg.Temporal.Address = ts.frontend
	keys, err := codec.NewKeyring(key)
	require.NoError(t, err)
	c, err := workers.Dial(context.Background(), cfg, zerologNop(), keys)
	require.NoError(t, err)
	defer c.Close()
	// Generous: about 3 minutes on an idle 2-core machine, far longer on a
	// loaded one; the test checks completion, never speed.
	wctx, wcancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer wcancel()
	results, problems := chaos.WaitLeavers(wctx, c, burst, testWriter{t})
	took := time.Since(start)
	cancel()
	<-scrapeDone
	logf("%d of %d leavers completed in %v", len(results), leavers, took.Round(time.Second))
	for _, p := range problems {
		t.Error(p)
	}
	require.Len(t, results, leavers, "every leaver completes")

	// End state: every lane ok and verified, every directory disabled, no
	// duplicate, exactly one offboarding row each.
	for _, p := range chaos.CheckLeavers(cfg, emus, burst, results) {
		t.Error(p)
	}

	// What the directories saw.
	report := rates(emus)
	for _, r := range report {
		logf("%-8s %6d calls, %4d answered 429 (%.2f%%), busiest %v window %d calls", r.name, r.calls, r.throttled, r.pct(), oktaWindow, r.busiest)
		assert.Less(t, r.pct(), 1.0, "%s: 429s are under 1%% of calls", r.name)
	}
	okta := report[0]
	require.Equal(t, "okta", okta.name)
	assert.LessOrEqual(t, okta.busiestUsers, oktaPerWindow, "the two workers together stay under Okta's users budget in every window")

	// The metrics agree with what the test saw. jml_leavers_in_flight is
	// read from visibility at most every 5 s, so the final scrape waits for
	// the workers' gauges to catch up with the completed burst.
	final := map[string]string{}
	for name, addr := range metricsAddr {
		require.Eventually(t, func() bool {
			s, err := getMetrics(addr)
			if err != nil {
				return false
			}
			final[name] = s
			v, ok := value(s, "jml_leavers_in_flight")
			return name == "serve" || (ok && v == 0)
		}, 30*time.Second, time.Second, "scrape %s", name)
	}
	checkMetrics(t, final, scrapes, statuses, results, emus)
	logf("leavers: %d in %v with a worker killed; %d SLA breaches", leavers, took.Round(time.Second), breaches(results))

	// The UI shows one leaver's history decoded through the codec endpoint,
	// its user signed in through OIDC.
	codecCalls := func() string {
		m, err := getMetrics(metricsAddr["serve"])
		if err != nil {
			return err.Error()
		}
		var lines []string
		for _, l := range strings.Split(m, "\n") {
			if strings.HasPrefix(l, "jml_intake_requests_total") && strings.Contains(l, `route="codec"`) {
				lines = append(lines, l)
			}
		}
		return strings.Join(lines, "; ")
	}
	checkUI(t, ui, c, burst[0], issuer, cert.SPKI, codecCalls)
}

func statusCounts(m map[int]int) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		out[strconv.Itoa(k)] = v
	}
	return out
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func breaches(results map[string]contractResult) int {
	n := 0
	for _, r := range results {
		if r.SLABreached {
			n++
		}
	}
	return n
}

// writeConfig is config/demo.yaml pointed at the emulators, with the
// scaled per-worker Okta limit; everything deployment-specific comes from
// the environment, as in compose.
func writeConfig(t *testing.T, dir string, emus *emulators.Set, creds emulators.Credentials) (string, *config.Config) {
	root, err := devserver.RepoRoot()
	require.NoError(t, err)
	env := creds.Env()
	cfg, err := config.LoadWithEnv(filepath.Join(root, "config", "demo.yaml"), func(k string) string { return env[k] })
	require.NoError(t, err)
	emus.Configure(cfg)
	cfg.Directories.Okta.RequestsPerMinute = oktaBudget
	cfg.Evidence.Dir = filepath.Join(dir, "evidence")
	cfg.Log.Format, cfg.Log.Level = "json", "info"
	b, err := yaml.Marshal(cfg)
	require.NoError(t, err)
	path := filepath.Join(dir, "jml.yaml")
	require.NoError(t, os.WriteFile(path, b, 0o600))
	cfg.Temporal.Address, cfg.Temporal.Namespace = "", namespace
	return path, cfg
}

var envRef = regexp.MustCompile(`^\$\{([A-Z0-9_]+)(:[-?].*)?\}$`)

// composeEnv is jml-worker's environment in docker-compose.yml with this
// test's values: each ${VAR} from vals (a variable compose asks for that
// the test cannot give fails it), each literal as written but the
// addresses, which move to loopback ports. The emulators' static tokens
// stand in for the directories' real credentials.
func composeEnv(t *testing.T, root, service string, vals map[string]string, creds emulators.Credentials) []string {
	b, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	require.NoError(t, err)
	var cf struct {
		Services map[string]struct {
			Environment map[string]string `yaml:"environment"`
		} `yaml:"services"`
	}
	require.NoError(t, yaml.Unmarshal(b, &cf))
	wenv := cf.Services[service].Environment
	require.NotEmpty(t, wenv)
	for k, v := range creds.Env() {
		if _, ok := vals[k]; !ok {
			vals[k] = v // the emulators' credentials where compose asks for the real ones
		}
	}
	// Addresses move to loopback ports, the certificate's paths to its temp files.
	moved := map[string]bool{"JML_TEMPORAL_ADDRESS": true, "JML_INTAKE_LISTEN": true, "JML_METRICS_LISTEN": true, "JML_INTAKE_UI_ORIGIN": true,
		"JML_INTAKE_TLS_CERT_FILE": true, "JML_INTAKE_TLS_KEY_FILE": true}
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "JML_") {
			out = append(out, kv)
		}
	}
	keys := make([]string, 0, len(wenv))
	for k := range wenv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := wenv[k]
		switch m := envRef.FindStringSubmatch(v); {
		case k == "JML_METRICS_LISTEN":
			continue // each process gets its own port
		case m != nil:
			got, ok := vals[m[1]]
			if !ok && strings.HasPrefix(m[2], ":-") {
				got = strings.TrimPrefix(m[2], ":-")
			} else if !ok {
				t.Fatalf("docker-compose.yml asks for %s, which the cluster test does not set", m[1])
			}
			out = append(out, k+"="+got)
		case moved[k]:
			out = append(out, k+"="+vals[k])
		default:
			out = append(out, k+"="+v)
		}
	}
	for k, v := range creds.Env() {
		if _, set := wenv[k]; !set {
			out = append(out, k+"="+v)
		}
	}
	if _, set := wenv["JML_EVIDENCE_DIR"]; !set {
		out = append(out, "JML_EVIDENCE_DIR="+vals["JML_EVIDENCE_DIR"])
	}
	return out
}

// sendBurst posts the leavers' records in signed batches of 50, all at
// once, and returns how many records got each answer status.
func sendBurst(t *testing.T, hc *http.Client, base, secret string, burst []chaos.Leaver) map[int]int {
	statuses := map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < len(burst); i += 50 {
		var recs []domain.HRRecord
		for _, l := range burst[i:min(i+50, len(burst))] {
			recs = append(recs, l.Record)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, _ := json.Marshal(recs)
			for attempt := 0; ; attempt++ {
				tsv, sig := intake.Sign(secret, time.Now(), body)
				req, _ := http.NewRequest("POST", base+"/hr/records", bytes.NewReader(body))
				req.Header.Set(intake.HeaderTimestamp, tsv)
				req.Header.Set(intake.HeaderSignature, sig)
				req.Header.Set("Content-Type", "application/json")
				resp, err := hc.Do(req)
				if err != nil {
					t.Errorf("POST /hr/records: %v", err)
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				mu.Lock()
				statuses[resp.StatusCode]++
				mu.Unlock()
				if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusAccepted {
					return // every record queued for its Employee workflow
				}
				if attempt == 5 {
					t.Errorf("POST /hr/records answered %d: %s", resp.StatusCode, b)
					return
				}
				time.Sleep(time.Second)
			}
		}()
	}
	wg.Wait()
	return statuses
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

var _ client.Client

func envInt(k string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(k)); err == nil && n > 0 {
		return n
	}
	return def
}
