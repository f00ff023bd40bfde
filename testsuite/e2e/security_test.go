package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/proxy"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/testsuite/harness"
	"github.com/jml-dev/jml/workers/codec"
)

// TestNoPIIOrSecretsLeak runs a joiner and a leaver with payload encryption
// on, then reads everything an attacker or an auditor could: the raw
// history (as the database holds it), the decoded history, every log line,
// the evidence files, workflow ids and search attributes.
func TestNoPIIOrSecretsLeak(t *testing.T) {
	key, err := codec.GenerateKey("e2e1")
	require.NoError(t, err)
	keys, err := codec.NewKeyring(key)
	require.NoError(t, err)
	e := harness.Start(t, harness.EnvOptions{Keys: keys})
	rec := e.Org.Joiners[1]
	rec.StartDate = time.Now().AddDate(0, 0, -1).Format(time.DateOnly)
	sendHR(t, e, rec)
	eventually(t, e, rec.EmployeeID, "joiner enabled in Entra", func() (bool, string) {
		u, ok := e.Emulators.Graph.UserByEmployeeID(rec.EmployeeID)
		return ok && u.AccountEnabled, "not yet"
	})
	leave := rec
	leave.Status = domain.HRTerminated
	leave.TerminationEffectiveAt = time.Now().UTC().Truncate(time.Second)
	sendHR(t, e, leave)
	logPath := filepath.Join(e.Config.Evidence.Dir, "Governance", "Offboarding_Log.csv")
	eventually(t, e, rec.EmployeeID, "leaver logged", func() (bool, string) {
		_, err := os.Stat(logPath)
		return err == nil, "no offboarding log"
	})

	pii := []string{rec.Email, rec.GivenName + " " + rec.FamilyName, rec.FamilyName}
	secrets := e.Emulators.Creds.Secrets()

	// Raw history, read without the codec: what the database stores.
	ctx := context.Background()
	raw, err := client.Dial(client.Options{HostPort: e.Config.Temporal.Address, Namespace: e.Config.Temporal.Namespace})
	require.NoError(t, err)
	defer raw.Close()
	ids := workflowIDs(t, raw, rec.EmployeeID)
	require.NotEmpty(t, ids, "the employee's workflows are listed by EmployeeID")
	var rawHistory strings.Builder
	for _, id := range ids {
		rawHistory.WriteString(historyJSON(t, raw, id))
	}
	require.Contains(t, rawHistory.String(), "binary/encrypted", "payloads are encrypted")
	for _, s := range append(pii, secrets...) {
		assert.False(t, strings.Contains(rawHistory.String(), s), "raw history contains %q", s)
	}

	// Decoded history: PII may be there (it is the work), secrets never.
	var decoded strings.Builder
	for _, id := range ids {
		decoded.WriteString(decodedHistory(t, raw, keys, id))
	}
	assert.True(t, strings.Contains(decoded.String(), rec.Email), "the codec decodes the history")
	for _, s := range secrets {
		assert.False(t, strings.Contains(decoded.String(), s), "decoded history contains a secret")
	}

	// Logs and evidence carry no secret; evidence names people by id.
	logs := e.Logs.String()
	require.NotEmpty(t, logs)
	for _, s := range secrets {
		assert.False(t, strings.Contains(logs, s), "log output contains a secret")
	}
	evidence, err := os.ReadFile(logPath)
	require.NoError(t, err)
	for _, s := range append(pii, secrets...) {
		assert.NotContains(t, string(evidence), s, "offboarding log")
	}

	// Workflow ids and search attributes are not encrypted: no PII.
	resp, err := raw.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: `EmployeeID = "` + rec.EmployeeID + `"`})
	require.NoError(t, err)
	for _, ex := range resp.GetExecutions() {
		visible := ex.GetExecution().GetWorkflowId() + protojson.Format(ex.GetSearchAttributes()) + protojson.Format(ex.GetMemo())
		for _, s := range pii {
			assert.NotContains(t, visible, s, "workflow id, search attributes, memo")
		}
	}
}

func workflowIDs(t *testing.T, c client.Client, employeeID string) []string {
	t.Helper()
	var ids []string
	require.Eventually(t, func() bool {
		resp, err := c.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Query: `EmployeeID = "` + employeeID + `"`})
		if err != nil {
			return false
		}
		ids = ids[:0]
		for _, ex := range resp.GetExecutions() {
			ids = append(ids, ex.GetExecution().GetWorkflowId())
		}
		return len(ids) >= 2 // the Employee workflow and at least one child
	}, 30*time.Second, 200*time.Millisecond)
	return ids
}

// historyJSON renders a history as stored: every event as text, plus the
// bytes of every payload and its metadata (protojson shows them in base64,
// which would hide plaintext from a substring check).
func historyJSON(t *testing.T, c client.Client, id string) string {
	t.Helper()
	var b strings.Builder
	it := c.GetWorkflowHistory(context.Background(), id, "", false, 0)
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		b.WriteString(protojson.Format(ev))
		require.NoError(t, proxy.VisitPayloads(context.Background(), ev, proxy.VisitPayloadsOptions{
			Visitor: func(_ *proxy.VisitPayloadsContext, ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
				for _, p := range ps {
					for k, v := range p.GetMetadata() {
						b.WriteString(k + "=" + string(v) + "\n")
					}
					b.Write(p.GetData())
				}
				return ps, nil
			},
		}))
	}
	return b.String()
}

// decodedHistory renders every payload of the history through the codec.
func decodedHistory(t *testing.T, c client.Client, keys *codec.Keyring, id string) string {
	t.Helper()
	var b strings.Builder
	it := c.GetWorkflowHistory(context.Background(), id, "", false, 0)
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		require.NoError(t, proxy.VisitPayloads(context.Background(), ev, proxy.VisitPayloadsOptions{
			Visitor: func(_ *proxy.VisitPayloadsContext, ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
				out, err := keys.Codec().Decode(ps)
				for _, p := range out {
					b.Write(p.GetData())
				}
				return out, err
			},
		}))
		b.WriteString(protojson.Format(ev))
	}
	return b.String()
}
