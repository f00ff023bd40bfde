package intake

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/integrations/hr"
	"github.com/jml-dev/jml/integrations/hr/bamboohr"
	"github.com/jml-dev/jml/starters/apptasks"
	"github.com/jml-dev/jml/starters/codecserver"
	"github.com/jml-dev/jml/starters/elevation"
	"github.com/jml-dev/jml/starters/employees"
	"github.com/jml-dev/jml/starters/planner"
	"github.com/jml-dev/jml/starters/sweep"
	"github.com/jml-dev/jml/workers"
	"github.com/jml-dev/jml/workers/codec"
)

// FromConfig builds the intake server of `jml serve` and `jml dev`: HR
// records go to Employee workflows through c; the codec endpoint is mounted
// when payload keys are configured.
func FromConfig(cfg *config.Config, c client.Client, keys *codec.Keyring, z zerolog.Logger) (*Server, error) {
	o := Options{
		Listen:        cfg.Intake.Listen,
		MaxBodyBytes:  cfg.Intake.MaxBodyBytes,
		RatePerMinute: cfg.Intake.RatePerMinute,
		Concurrency:   cfg.Intake.Concurrency,
		ReadTimeout:   cfg.Intake.ReadTimeout.D(),
		SignatureSkew: cfg.Intake.SignatureSkew.D(),
		HRSecret:      cfg.Secrets.HRWebhookSecret.Reveal(),
		Sink:          employees.Sink{Client: c, TaskQueue: cfg.Temporal.TaskQueue, Policy: cfg.Policy()},
		Logger:        z.With().Str("component", "intake").Logger(),
		TLSCertFile:   cfg.Intake.TLS.CertFile,
		TLSKeyFile:    cfg.Intake.TLS.KeyFile,
	}
	if keys != nil {
		co := codecserver.Options{AllowedOrigin: cfg.Intake.UIOrigin, Token: cfg.Secrets.CodecServerToken.Reveal(),
			MaxBodyBytes: cfg.Intake.MaxBodyBytes, LoopbackWithoutToken: cfg.Intake.CodecWithoutToken}
		if oc := cfg.Intake.CodecOIDC; oc.Issuer != "" {
			co.OIDC = codecserver.NewOIDC(oc.Issuer, oc.Audience)
		}
		o.Codec = codecserver.Handler(keys, co)
	}
	if b := cfg.HR.BambooHR; b.BaseURL != "" && cfg.Secrets.BambooHRAPIKey.Set() {
		bc, err := bamboohr.New(bamboohr.Options{BaseURL: b.BaseURL, APIKey: cfg.Secrets.BambooHRAPIKey.Reveal(), HTTPClient: &http.Client{Timeout: 20 * time.Second}})
		if err != nil {
			return nil, fmt.Errorf("hr.bamboohr: %w", err)
		}
		o.BambooHR = bc
	}
	if p := cfg.GuardPolicy(); p.Enabled {
		lg := z.With().Str("component", "intake").Logger()
		o.Guard = &employees.Guard{Client: c, TaskQueue: cfg.Temporal.TaskQueue, Policy: p, Unavailable: func(id string, err error) {
			lg.Warn().Str("employee_id", id).Str("reason", err.Error()).Msg("termination guard unavailable: the run's per-run cap applies")
		}}
	}
	o.AllowNoEmail = cfg.HR.Login.Enabled()
	for _, src := range cfg.HR.Sources {
		if src.Kind != "webhook" {
			continue
		}
		p, err := cfg.HRProfile(src.Name)
		if err != nil {
			return nil, fmt.Errorf("hr.sources %s: %w", src.Name, err)
		}
		if o.Sources == nil {
			o.Sources = map[string]hr.Profile{}
		}
		o.Sources[strings.ToLower(src.Name)] = p
	}
	if cfg.Slack.Enabled && cfg.Secrets.SlackSigningSecret.Set() && (len(cfg.Elevation.Roles) > 0 || o.Guard != nil || len(cfg.ManualApps()) > 0 || cfg.Reviews.Enabled || cfg.SweepDecidedInSlack()) {
		o.AppTasks = apptasks.Confirmer{Client: c}
		// The directories only propose whose Slack email it is; the HR
		// records in the Employee workflows decide.
		deps, err := workers.BuildDeps(context.Background(), cfg)
		if err != nil {
			return nil, err
		}
		o.SlackSigningSecret = cfg.Secrets.SlackSigningSecret.Reveal()
		o.Reviews = ReviewClient{Client: c, Namespace: cfg.Temporal.Namespace} // access-review DMs (review.go)
		// sweep findings' buttons and their forms (sweep.go)
		o.Sweep = sweep.Decider{Client: c}
		if deps.Slack != nil {
			o.Views = deps.Slack
		}
		o.Elevation = elevation.Service{
			Starter:       &elevation.Starter{Client: c, TaskQueue: cfg.Temporal.TaskQueue, Config: cfg},
			SlackIdentity: elevation.SlackIdentity{Slack: deps.Slack, Directories: deps.Directories, Order: cfg.EnabledDirectories(), Client: c},
		}
	}
	o.Planner = &planner.Planner{States: planner.WorkflowStates{Client: c}, Catalog: cfg.Catalog.Domain(), Policy: cfg.Policy(), Concurrency: cfg.Intake.Concurrency}
	return New(o), nil
}
