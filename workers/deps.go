package workers

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/jml-dev/jml/activities"
	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/integrations/ad"
	"github.com/jml-dev/jml/integrations/directory"
	"github.com/jml-dev/jml/integrations/entra"
	"github.com/jml-dev/jml/integrations/google"
	"github.com/jml-dev/jml/integrations/jumpcloud"
	"github.com/jml-dev/jml/integrations/okta"
	"github.com/jml-dev/jml/integrations/scim"
	"github.com/jml-dev/jml/integrations/slack"
)

// Deps are the integration clients one worker shares across all its
// activities (and so one client-side rate limiter per tenant or app).
type Deps struct {
	Directories map[string]directory.Directory // entra, okta, google, jumpcloud
	Apps        map[string]directory.Directory // SCIM apps by name
	Slack       *slack.Client                  // nil when Slack is disabled
	// Visibility lists workflows for the KPI report; New sets the
	// worker's client when nil.
	Visibility activities.Visibility
	// People reads the HR records jml holds, where DMs go; New sets one
	// over the worker's client when nil.
	People activities.People
	// HR delivers the guard's released terminations; New sets one over
	// the worker's client when nil.
	HR activities.HRDeliverer
}

// BuildDeps builds every enabled integration from configuration.
func BuildDeps(ctx context.Context, cfg *config.Config) (*Deps, error) {
	hc := &http.Client{Timeout: 30 * time.Second}
	s := cfg.Secrets
	d := &Deps{Directories: map[string]directory.Directory{}, Apps: map[string]directory.Directory{}}
	if e := cfg.Directories.Entra; e.Enabled {
		c, err := entra.New(entra.Options{BaseURL: e.BaseURL, TenantID: e.TenantID, ClientID: e.ClientID,
			ClientSecret: s.EntraClientSecret.Reveal(), Token: s.EntraToken.Reveal(), HTTPClient: hc, RequestsPerMinute: e.RequestsPerMinute})
		if err != nil {
			return nil, fmt.Errorf("directories.entra: %w", err)
		}
		d.Directories[config.Entra] = c
	}
	if o := cfg.Directories.Okta; o.Enabled {
		c, err := okta.New(ctx, okta.Options{OrgURL: o.OrgURL, Token: s.OktaToken.Reveal(), HTTPClient: hc, RequestsPerMinute: o.RequestsPerMinute})
		if err != nil {
			return nil, fmt.Errorf("directories.okta: %w", err)
		}
		d.Directories[config.Okta] = c
	}
	if g := cfg.Directories.Google; g.Enabled {
		c, err := google.New(ctx, google.Options{BaseURL: g.BaseURL, Customer: g.Customer, Domain: g.Domain,
			CredentialsFile: s.GoogleCredentialsPath, AdminSubject: g.AdminSubject, Token: s.GoogleToken.Reveal(),
			HTTPClient: hc, RequestsPerMinute: g.RequestsPerMinute})
		if err != nil {
			return nil, fmt.Errorf("directories.google: %w", err)
		}
		d.Directories[config.Google] = c
	}
	if a := cfg.Directories.AD; a.Enabled {
		c, err := ad.New(ADOptions(cfg))
		if err != nil {
			return nil, fmt.Errorf("directories.ad: %w", err)
		}
		d.Directories[config.AD] = c
	}
	if j := cfg.Directories.JumpCloud; j.Enabled {
		c, err := jumpcloud.New(jumpcloud.Options{BaseURL: j.BaseURL, InsightsURL: j.InsightsURL, APIKey: s.JumpCloudAPIKey.Reveal(), OrgID: j.OrgID, HTTPClient: hc, RequestsPerMinute: j.RequestsPerMinute})
		if err != nil {
			return nil, fmt.Errorf("directories.jumpcloud: %w", err)
		}
		d.Directories[config.JumpCloud] = c
	}
	for i, a := range cfg.SCIMApps {
		c, err := scim.New(scim.AppOptions{Name: a.Name, BaseURL: a.BaseURL, Token: s.SCIMTokens[a.Name].Reveal(),
			HTTPClient: hc, RequestsPerMinute: a.RequestsPerMinute, DeactivateBy: a.DeactivateBy})
		if err != nil {
			return nil, fmt.Errorf("scim_apps[%d] (%s): %w", i, a.Name, err)
		}
		d.Apps[a.Name] = c
	}
	if cfg.Slack.Enabled {
		c, err := slack.New(slack.Options{BotToken: s.SlackBotToken.Reveal(), APIURL: cfg.Slack.APIURL, HTTPClient: hc, SecurityChannel: cfg.Slack.SecurityChannel})
		if err != nil {
			return nil, fmt.Errorf("slack: %w", err)
		}
		d.Slack = c
	}
	return d, nil
}

// Notifier adapts the Slack client to what activities need: a message to a
// person (by email) or to a channel.
type Notifier struct {
	Slack *slack.Client
}

// NotifyUser DMs the person with that email.
func (n Notifier) NotifyUser(ctx context.Context, email, text string) error {
	_, _, err := n.Slack.DM(ctx, email, text, nil)
	return err
}

// ApprovalMessage DMs an approval request with Approve and Deny buttons.
func (n Notifier) ApprovalMessage(ctx context.Context, approverEmail, title string, fields []contract.MessageField, approveValue, denyValue string) (string, string, error) {
	return n.Slack.ApprovalMessage(ctx, approverEmail, title, slackFields(fields), approveValue, denyValue)
}

// SlackUserID is the Slack member with that email.
func (n Notifier) SlackUserID(ctx context.Context, email string) (string, error) {
	u, err := n.Slack.LookupByEmail(ctx, email)
	return u.ID, err
}

// UpdateApproval rewrites a decided approval: the outcome, no buttons.
func (n Notifier) UpdateApproval(ctx context.Context, channel, ts, title string, fields []contract.MessageField, outcome string) error {
	return n.Slack.Update(ctx, channel, ts, title+": "+outcome, slack.DecisionBlocks(title, slackFields(fields), outcome))
}

func slackFields(fs []contract.MessageField) []slack.Field {
	out := make([]slack.Field, len(fs))
	for i, f := range fs {
		out[i] = slack.Field{Label: f.Label, Value: f.Value}
	}
	return out
}

// NotifyChannel posts to a channel.
func (n Notifier) NotifyChannel(ctx context.Context, channel, text string) error {
	_, _, err := n.Slack.Post(ctx, channel, text, nil)
	return err
}
