// Package emulators starts every directory emulator together, seeded with
// the demo organisation, and points a configuration at them. `jml dev`, the
// end-to-end tests and the benchmarks all start the same set.
package emulators

import (
	"errors"
	"fmt"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/devstack/bamboohremu"
	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/googleemu"
	"github.com/jml-dev/jml/devstack/graphemu"
	"github.com/jml-dev/jml/devstack/jumpcloudemu"
	"github.com/jml-dev/jml/devstack/oktaemu"
	"github.com/jml-dev/jml/devstack/scimemu"
	"github.com/jml-dev/jml/devstack/slackemu"
)

// Credentials are the emulators' credentials. The demo values are public
// and known, so a test can assert that none of them leaks anywhere.
type Credentials struct {
	Graph, Okta, Google    string
	SlackBot, SlackSigning string
	HRWebhook, BambooHR    string
	JumpCloud              string
	SCIM                   map[string]string
}

// DemoCredentials are the fixed credentials of `jml dev`.
func DemoCredentials() Credentials {
	scim := map[string]string{}
	for _, a := range demoorg.SCIMApps {
		scim[a] = "demo-scim-" + a + "-token-7d1c"
	}
	return Credentials{
		Graph:        "demo-graph-token-4f2a9c",
		Okta:         "00demo-okta-token-b7e3",
		Google:       "demo-google-token-91ce",
		SlackBot:     "xoxb-demo-slack-bot-token-5a8f",
		SlackSigning: "demo-slack-signing-secret-2c6e",
		HRWebhook:    "demo-hr-webhook-secret-8b1d",
		BambooHR:     "demo-bamboohr-api-key-3e9a",
		JumpCloud:    "demo-jumpcloud-api-key-c41b",
		SCIM:         scim,
	}
}

// JumpCloudOrgID is the demo organisation's JumpCloud id (sent as x-org-id).
const JumpCloudOrgID = "5f0c1a2b3c4d5e6f7a8b9c0d"

// Options choose what the set serves.
type Options struct {
	Org   demoorg.Org
	Creds Credentials
	// SlackRequestURL is where the Slack emulator posts signed button
	// presses: the intake's /slack/interactivity.
	SlackRequestURL string
	SlashCommandURL string
	// BambooWebhookURL receives BambooHR's signed employee events.
	BambooWebhookURL string
	PageSize         int
	// SweepAccounts are seeded besides the organisation: the privilege
	// sweep's accounts outside HR (demoorg.SweepAccounts).
	SweepAccounts []demoorg.SweepAccount
}

// Set is every emulator, started.
type Set struct {
	Graph    *graphemu.Emulator
	Okta     *oktaemu.Emulator
	Google   *googleemu.Emulator
	Slack    *slackemu.Emulator
	SCIM     *scimemu.Emulator
	BambooHR *bamboohremu.Emulator
	// JumpCloud is always started (it is small); the demo enables the
	// directory only where a test or the README says so.
	JumpCloud *jumpcloudemu.Emulator
	Creds     Credentials
}

// Start starts and seeds every emulator on a random loopback port.
func Start(o Options) (*Set, error) {
	if o.Creds.Graph == "" {
		o.Creds = DemoCredentials()
	}
	var apps []scimemu.App
	for _, a := range demoorg.SCIMApps {
		apps = append(apps, scimemu.App{Name: a, Token: o.Creds.SCIM[a]})
	}
	s := &Set{
		Graph:    graphemu.New(graphemu.Config{Token: o.Creds.Graph, PageSize: o.PageSize}),
		Okta:     oktaemu.New(oktaemu.Config{Token: o.Creds.Okta, PageSize: o.PageSize}),
		Google:   googleemu.New(googleemu.Config{Token: o.Creds.Google, PageSize: o.PageSize, Domain: o.Org.Domain}),
		Slack:    slackemu.New(slackemu.Config{BotToken: o.Creds.SlackBot, SigningSecret: o.Creds.SlackSigning, RequestURL: o.SlackRequestURL, SlashCommandURL: o.SlashCommandURL}),
		SCIM:     scimemu.New(scimemu.Config{Apps: apps, PageSize: o.PageSize}),
		BambooHR: bamboohremu.New(bamboohremu.Config{APIKey: o.Creds.BambooHR, WebhookURL: o.BambooWebhookURL, WebhookKey: o.Creds.HRWebhook}),
		Creds:    o.Creds,
	}
	s.JumpCloud = jumpcloudemu.New(jumpcloudemu.Config{APIKey: o.Creds.JumpCloud, OrgID: JumpCloudOrgID})
	s.JumpCloud.Seed(o.Org)
	s.Graph.Seed(o.Org)
	s.Okta.Seed(o.Org)
	s.Google.Seed(o.Org)
	s.Slack.Seed(o.Org)
	s.SCIM.Seed(o.Org)
	s.Graph.SeedSweep(o.SweepAccounts)
	s.Okta.SeedSweep(o.SweepAccounts)
	s.SCIM.SeedSweep(o.SweepAccounts)
	s.Google.SeedSweep(o.SweepAccounts)
	s.JumpCloud.SeedSweep(o.SweepAccounts)
	s.BambooHR.Seed(o.Org)
	// The sign-in posture: policies, weak methods, MFA and legacy sign-ins.
	s.Graph.SeedPosture(o.Org)
	s.Okta.SeedPosture(o.Org)
	s.Google.SeedPosture(o.Org)
	for name, start := range s.starters() {
		if err := start("127.0.0.1:0"); err != nil {
			s.Close()
			return nil, fmt.Errorf("start the %s emulator: %w", name, err)
		}
	}
	return s, nil
}

func (s *Set) starters() map[string]func(string) error {
	return map[string]func(string) error{
		"graph": s.Graph.Start, "okta": s.Okta.Start, "google": s.Google.Start,
		"slack": s.Slack.Start, "scim": s.SCIM.Start, "bamboohr": s.BambooHR.Start,
		"jumpcloud": s.JumpCloud.Start,
	}
}

// Close stops every emulator.
func (s *Set) Close() error {
	return errors.Join(s.Graph.Close(), s.Okta.Close(), s.Google.Close(), s.Slack.Close(), s.SCIM.Close(), s.BambooHR.Close(), s.JumpCloud.Close())
}

// URLs names each emulator's base URL, for printing.
func (s *Set) URLs() map[string]string {
	return map[string]string{
		"Microsoft Graph": s.Graph.URL() + "/v1.0",
		"Okta":            s.Okta.URL(),
		"Google Admin":    s.Google.URL() + "/",
		"Slack (web UI)":  s.Slack.URL() + "/",
		"SCIM apps":       s.SCIM.URL() + "/scim/<app>/v2",
		"BambooHR":        s.BambooHR.URL(),
		"JumpCloud":       s.JumpCloud.URL() + "/api",
	}
}

// Configure points cfg's directories, apps and Slack at the emulators and
// gives it the emulators' credentials.
func (s *Set) Configure(cfg *config.Config) {
	cfg.Directories.Entra.BaseURL = s.Graph.URL() + "/v1.0"
	cfg.Directories.Okta.OrgURL = s.Okta.URL()
	cfg.Directories.Google.BaseURL = s.Google.URL() + "/"
	for i, a := range cfg.SCIMApps {
		cfg.SCIMApps[i].BaseURL = s.SCIM.AppURL(a.Name)
	}
	cfg.Slack.APIURL = s.Slack.URL() + "/api/"
	cfg.HR.BambooHR.BaseURL = s.BambooHR.URL()
	cfg.Directories.JumpCloud.BaseURL = s.JumpCloud.URL()
	cfg.Directories.JumpCloud.InsightsURL = s.JumpCloud.URL() // one emulator serves both hosts
	cfg.Directories.JumpCloud.OrgID = JumpCloudOrgID
	sec := &cfg.Secrets
	sec.EntraToken = config.NewSecret(s.Creds.Graph)
	sec.OktaToken = config.NewSecret(s.Creds.Okta)
	sec.GoogleToken = config.NewSecret(s.Creds.Google)
	sec.SlackBotToken = config.NewSecret(s.Creds.SlackBot)
	sec.SlackSigningSecret = config.NewSecret(s.Creds.SlackSigning)
	sec.HRWebhookSecret = config.NewSecret(s.Creds.HRWebhook)
	sec.BambooHRAPIKey = config.NewSecret(s.Creds.BambooHR)
	sec.JumpCloudAPIKey = config.NewSecret(s.Creds.JumpCloud)
	sec.SCIMTokens = map[string]config.Secret{}
	for app, tok := range s.Creds.SCIM {
		sec.SCIMTokens[app] = config.NewSecret(tok)
	}
}

// Env is the credentials as environment variables, so a configuration can
// be loaded (and validated) exactly as in production.
func (c Credentials) Env() map[string]string {
	m := map[string]string{
		"JML_ENTRA_TOKEN":          c.Graph,
		"JML_OKTA_TOKEN":           c.Okta,
		"JML_GOOGLE_TOKEN":         c.Google,
		"JML_SLACK_BOT_TOKEN":      c.SlackBot,
		"JML_SLACK_SIGNING_SECRET": c.SlackSigning,
		"JML_HR_WEBHOOK_SECRET":    c.HRWebhook,
		"JML_BAMBOOHR_API_KEY":     c.BambooHR,
		"JML_JUMPCLOUD_API_KEY":    c.JumpCloud,
	}
	for app, tok := range c.SCIM {
		m[config.SCIMTokenVar(app)] = tok
	}
	return m
}

// Secrets lists every credential value, for leak checks.
func (c Credentials) Secrets() []string {
	out := []string{c.Graph, c.Okta, c.Google, c.SlackBot, c.SlackSigning, c.HRWebhook, c.BambooHR, c.JumpCloud}
	for _, tok := range c.SCIM {
		out = append(out, tok)
	}
	return out
}
