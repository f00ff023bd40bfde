// Package e2e runs jml end to end: a real Temporal dev server, the jml
// worker and intake, and the directory emulators. HR records go in through
// the signed webhook; the tests assert on the emulators' state and on the
// evidence files, never on logs.
package e2e

import (
	"testing"

	"github.com/jml-dev/jml/testsuite/harness"
)

func TestMain(m *testing.M) { harness.Main(m) }
