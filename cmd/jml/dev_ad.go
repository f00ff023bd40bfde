package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulators"
	"github.com/jml-dev/jml/devstack/samba"
	"github.com/jml-dev/jml/devstack/stack"
)

// devDCPassword stands in for JML_AD_BIND_PASSWORD while the configuration
// is checked; startDevDC replaces it with the dev DC's own random one.
const devDCPassword = "set-by-the-dev-domain-controller"

// startDevDC runs a real Samba AD DC for jml dev when directories.ad is
// enabled (off in demo.yaml: provisioning the first time costs 10-30 s),
// seeded from the demo organisation, and points directories.ad at it; with
// directories.entra.synced_from: ad, the Graph emulator's Entra Connect
// loop syncs from it. The returned func stops it.
func startDevDC(ctx context.Context, cfg *config.Config, org demoorg.Org, emus *emulators.Set, stdout io.Writer) (func(), error) {
	if !cfg.Directories.AD.Enabled {
		return func() {}, nil
	}
	if err := samba.Available(); err != nil {
		return nil, fmt.Errorf("directories.ad is enabled: jml dev runs a Samba AD DC for it: %w", err)
	}
	fmt.Fprintln(stdout, "jml dev: starting a Samba AD domain controller (the first provisioning takes 10-30 s)...")
	dc, err := samba.Start(ctx)
	if err != nil {
		return nil, fmt.Errorf("start the Samba AD DC: %w", err)
	}
	if _, err := samba.Seed(dc, org); err != nil {
		dc.Stop()
		return nil, fmt.Errorf("seed the Samba AD DC: %w", err)
	}
	samba.Configure(cfg, dc)
	if on, err := stack.StartEntraConnect(cfg, emus.Graph, dc, 30*time.Second); err != nil {
		dc.Stop()
		return nil, fmt.Errorf("the Graph emulator's Entra Connect sync from the dev DC: %w", err)
	} else if on {
		fmt.Fprintln(stdout, "jml dev: the Graph emulator syncs users from the DC every 30 s (directories.entra.synced_from: ad)")
	}
	fmt.Fprintf(stdout, "jml dev: Active Directory at %s (base %s)\n", dc.URL, dc.BaseDN)
	return func() { dc.Stop(); samba.CleanupTemplate() }, nil
}
