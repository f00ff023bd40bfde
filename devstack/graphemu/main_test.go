package graphemu

import (
	"os"
	"testing"

	"github.com/jml-dev/jml/devstack/samba"
)

// TestMain stops the Samba DCs the Entra Connect tests started.
func TestMain(m *testing.M) {
	code := m.Run()
	samba.StopAll()
	os.Exit(code)
}
