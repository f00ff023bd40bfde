package stack

import (
	"time"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/devstack/graphemu"
	"github.com/jml-dev/jml/devstack/samba"
)

// StartEntraConnect points the Graph emulator's Entra Connect sync at the
// DC when cfg says Entra's users are synced from AD, a cycle every
// interval (Entra Connect's is 30 minutes; the dev stack and tests use
// seconds). It answers whether it started; graph.StopSync stops it.
func StartEntraConnect(cfg *config.Config, graph *graphemu.Emulator, dc *samba.DC, interval time.Duration) (bool, error) {
	if cfg.Directories.Entra.SyncedFrom != config.AD || dc == nil {
		return false, nil
	}
	tc, err := dc.TLSConfig()
	if err != nil {
		return false, err
	}
	graph.StartSync(graphemu.LDAPSource{URL: dc.URL, BindDN: dc.AdminUPN, Password: dc.AdminPassword, BaseDN: dc.BaseDN, TLS: tc}, interval)
	return true, nil
}
