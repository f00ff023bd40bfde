package contract

import (
	"encoding/json"
	"testing"
	"time"
)

// TestLogRunKeepsFlatJSON: the embedded LogRun leaves the manifest and
// seal inputs' JSON as it was (flat keys), so recorded histories and
// written manifests read the same; UTC converts all three times.
func TestLogRunKeepsFlatJSON(t *testing.T) {
	at := time.Date(2026, 11, 1, 2, 0, 0, 0, time.FixedZone("CET", 3600))
	run := LogRun{Month: "2026-10", From: at, To: at, WorkflowID: "evidence/identity-logs/2026-10", RunID: "r1", GeneratedAt: at}
	for _, v := range []any{LogManifestInput{LogRun: run}, SealLogInput{LogRun: run}} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"month", "from", "to", "workflow_id", "run_id", "generated_at"} {
			if _, ok := m[k]; !ok {
				t.Errorf("%T: no top-level %q in %s", v, k, b)
			}
		}
		if _, ok := m["LogRun"]; ok {
			t.Errorf("%T nests LogRun: %s", v, b)
		}
	}
	u := run.UTC()
	for _, x := range []time.Time{u.From, u.To, u.GeneratedAt} {
		if x.Location() != time.UTC || !x.Equal(at) {
			t.Fatalf("UTC: %v", u)
		}
	}
}
