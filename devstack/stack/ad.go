package stack

import (
	"context"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/devstack/samba"
)

// startAD runs a real Samba AD DC for the Env (EnvOptions.AD), seeded from
// its organisation, and points the configuration at it.
func (e *Env) startAD(ctx context.Context, cfg *config.Config) error {
	dc, err := samba.StartTracked(ctx)
	if err != nil {
		return err
	}
	e.cleanup = append(e.cleanup, dc.Stop)
	s, err := samba.Seed(dc, e.Org)
	if err != nil {
		return err
	}
	e.AD, e.ADSeed = dc, s
	samba.Configure(cfg, dc)
	return nil
}
