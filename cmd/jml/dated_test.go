package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestDatedCommandsFlagsAndBadDate: jml posture and jml sweep take
// --config and --date (sweep also --report-only) and refuse a malformed
// date, naming the flag, before connecting anywhere.
func TestDatedCommandsFlagsAndBadDate(t *testing.T) {
	for cmd, flags := range map[string][]string{"posture": {"-config", "-date"}, "sweep": {"-config", "-date", "-report-only"}} {
		var out, errOut bytes.Buffer
		assert.Equal(t, exitOK, run([]string{cmd, "--help"}, &out, &errOut), cmd)
		for _, f := range flags {
			assert.Contains(t, errOut.String(), f, cmd)
		}
		errOut.Reset()
		assert.Equal(t, exitUsage, run([]string{cmd, "--config", "nowhere.yaml", "--date", "2026-13-01"}, &out, &errOut), cmd)
		assert.Contains(t, errOut.String(), `--date "2026-13-01": want YYYY-MM-DD`, cmd)
	}
}
