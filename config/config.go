// Package config loads and validates jml's one YAML configuration file.
// Secrets never live in the file: they come from the environment (or a file
// named by VAR_FILE), see secrets.go. Validation reports every problem at
// once, each with the file, the key path and what was expected.
package config

import (
	"fmt"
	"time"
)

// Directory names jml knows.
const (
	Entra  = "entra"
	Okta   = "okta"
	Google = "google"
)

// KnownDirectories is every directory name a catalog entry may reference
// (SCIM apps are referenced through `apps`).
var KnownDirectories = []string{Entra, Okta, Google, AD, JumpCloud}

// Tracks, from the IAM guide: which directory leads.
const (
	TrackMicrosoftFirst = "microsoft-first"
	TrackGoogleFirst    = "google-first"
	TrackHybrid         = "hybrid"
)

// Tracks lists every track name.
var Tracks = []string{TrackMicrosoftFirst, TrackGoogleFirst, TrackHybrid}

// TrackDefaults is what a track selects when the file does not say:
// which directories are enabled, and the directory of an elevation role.
type TrackDefaults struct {
	Directories        []string // enabled unless directories.<name>.enabled is written
	ElevationDirectory string   // elevation.roles[].directory when omitted
}

// TrackDefaultsFor gives the IAM guide's shape of each track: Microsoft-first
// is Entra ID with PIM; Google-first is Workspace; hybrid is Okta for
// lifecycle and SCIM with Entra for device trust and admin roles.
func TrackDefaultsFor(track string) (TrackDefaults, bool) {
	switch track {
	case TrackMicrosoftFirst:
		return TrackDefaults{Directories: []string{Entra}, ElevationDirectory: Entra}, true
	case TrackGoogleFirst:
		return TrackDefaults{Directories: []string{Google}, ElevationDirectory: Google}, true
	case TrackHybrid:
		return TrackDefaults{Directories: []string{Entra, Okta}, ElevationDirectory: Entra}, true
	}
	return TrackDefaults{}, false
}

// Config is the whole file.
type Config struct {
	Temporal    Temporal    `yaml:"temporal"`
	Track       string      `yaml:"track"`
	Directories Directories `yaml:"directories"`
	SCIMApps    []SCIMApp   `yaml:"scim_apps"`
	Apps        []App       `yaml:"apps"` // idp_group and manual catalog apps (config/apps.go)
	Slack       Slack       `yaml:"slack"`
	HR          HR          `yaml:"hr"`
	Intake      Intake      `yaml:"intake"`
	SLA         SLA         `yaml:"sla"`
	Leaver      Leaver      `yaml:"leaver"`
	Elevation   Elevation   `yaml:"elevation"`
	Evidence    Evidence    `yaml:"evidence"`
	Catalog     Catalog     `yaml:"catalog"`
	Codec       Codec       `yaml:"codec"`
	Dev         Dev         `yaml:"dev"`
	Log         Log         `yaml:"log"`
	Metrics     Metrics     `yaml:"metrics"`
	Governance  Governance  `yaml:"governance"`
	Sweep       Sweep       `yaml:"sweep"`
	Posture     Posture     `yaml:"posture"`
	Reviews     Reviews     `yaml:"reviews"`
	Secrets     Secrets     `yaml:"-"` // from the environment only
	Source      string      `yaml:"-"` // the file it was loaded from
}

// Temporal is the connection to the Temporal cluster.
type Temporal struct {
	Address   string `yaml:"address"`
	Namespace string `yaml:"namespace"`
	TaskQueue string `yaml:"task_queue"`
	// MaxConcurrentActivities is how many activities one worker process
	// runs at once (0: DefaultMaxConcurrentActivities). On a layoff day
	// most of them wait for a directory's rate budget, which costs a
	// goroutine and no CPU; with too few slots the tasks of a directory
	// with budget to spare queue behind those waiting on another's.
	MaxConcurrentActivities int `yaml:"max_concurrent_activities"`
	TLS                     TLS `yaml:"tls"`
	// AllowPlaintextRemote permits a non-TLS connection to a non-loopback
	// address (never needed with Temporal Cloud).
	AllowPlaintextRemote bool `yaml:"allow_plaintext_remote"`
}

// DefaultMaxConcurrentActivities is a worker's activity slots: every lane
// of a 1,000-leaver burst at once (six lanes each in the bench), where the
// SDK's default of 1,000 cost 8% over the directories' floor (README,
// "Layoff day").
const DefaultMaxConcurrentActivities = 10000

// ActivitySlots is MaxConcurrentActivities or its default.
func (t Temporal) ActivitySlots() int {
	if t.MaxConcurrentActivities > 0 {
		return t.MaxConcurrentActivities
	}
	return DefaultMaxConcurrentActivities
}

// TLS holds file paths for mTLS to the Temporal frontend.
type TLS struct {
	CertFile   string `yaml:"cert_file"`
	KeyFile    string `yaml:"key_file"`
	CAFile     string `yaml:"ca_file"`
	ServerName string `yaml:"server_name"`
}

// Enabled reports whether any TLS setting is present.
func (t TLS) Enabled() bool { return t.CertFile != "" || t.KeyFile != "" || t.CAFile != "" }

// Directories configures the identity systems.
type Directories struct {
	Entra  EntraDir  `yaml:"entra"`
	Okta   OktaDir   `yaml:"okta"`
	Google GoogleDir `yaml:"google"`
	AD     ADDir     `yaml:"ad"`
	// JumpCloud is off unless enabled: no track selects it (config/jumpcloud.go).
	JumpCloud JumpCloudDir `yaml:"jumpcloud"`
}

// EntraDir is Microsoft Entra ID through Microsoft Graph.
type EntraDir struct {
	Enabled           bool   `yaml:"enabled"`
	BaseURL           string `yaml:"base_url"` // default https://graph.microsoft.com/v1.0
	TenantID          string `yaml:"tenant_id"`
	ClientID          string `yaml:"client_id"`
	RequestsPerMinute int    `yaml:"requests_per_minute"`
	// DefaultUsageLocation (ISO 3166 alpha-2, e.g. US) is set on a joiner
	// whose HR record has no country yet, so licensing does not wait.
	DefaultUsageLocation string `yaml:"default_usage_location"`
	// SyncedFrom names the directory Entra Connect syncs users from ("ad"):
	// their synced attributes are mastered there (entra_sync.go).
	SyncedFrom string `yaml:"synced_from"`
	// SyncWait bounds how long the Entra lane waits for the sync to carry a
	// change from AD (default 40m: Entra Connect's cycle is 30m).
	SyncWait Duration `yaml:"sync_wait"`
}

// OktaDir is an Okta org.
type OktaDir struct {
	Enabled           bool   `yaml:"enabled"`
	OrgURL            string `yaml:"org_url"`
	RequestsPerMinute int    `yaml:"requests_per_minute"`
}

// GoogleDir is a Google Workspace customer.
type GoogleDir struct {
	Enabled           bool   `yaml:"enabled"`
	BaseURL           string `yaml:"base_url"` // empty = Google's endpoint
	Customer          string `yaml:"customer"`
	Domain            string `yaml:"domain"`
	AdminSubject      string `yaml:"admin_subject"`
	RequestsPerMinute int    `yaml:"requests_per_minute"`
}

// SCIMApp is one SaaS app provisioned over SCIM 2.0.
type SCIMApp struct {
	Name              string `yaml:"name"`
	BaseURL           string `yaml:"base_url"`
	DeactivateBy      string `yaml:"deactivate_by"` // patch (default) or delete
	RequestsPerMinute int    `yaml:"requests_per_minute"`
	Mode              string `yaml:"mode"` // scim, the only mode here (other modes: apps)
}

// Slack is the Slack app jml posts as.
type Slack struct {
	Enabled         bool   `yaml:"enabled"`
	APIURL          string `yaml:"api_url"` // empty = https://slack.com/api/
	SecurityChannel string `yaml:"security_channel"`
	ITChannel       string `yaml:"it_channel"`
}

// HR configures HR intake.
type HR struct {
	Source   string   `yaml:"source"` // webhook or bamboohr
	BambooHR BambooHR `yaml:"bamboohr"`
	Login    Login    `yaml:"login"` // config/hrguard.go
	Guard    Guard    `yaml:"guard"` // config/hrguard.go
	// Sources are the HR source profiles (config/hrsources.go).
	Sources []HRSource `yaml:"sources"`
}

// BambooHR is the BambooHR API the intake fetches records from.
type BambooHR struct {
	// BaseURL is the company's API host; default https://<subdomain>.bamboohr.com.
	BaseURL   string `yaml:"base_url"`
	Subdomain string `yaml:"subdomain"`
}

// Intake is jml's HTTP server (HR webhooks, Slack interactivity, codec).
type Intake struct {
	Listen        string   `yaml:"listen"`
	UIOrigin      string   `yaml:"ui_origin"`
	MaxBodyBytes  int64    `yaml:"max_body_bytes"`
	RatePerMinute int      `yaml:"rate_per_minute"`
	ReadTimeout   Duration `yaml:"read_timeout"`
	SignatureSkew Duration `yaml:"signature_skew"`
	// Concurrency bounds how many HR records one webhook batch or one
	// `jml import` delivers to Temporal at once (default 32), so a
	// 1,000-record batch answers in seconds, well inside the write timeout.
	Concurrency int `yaml:"concurrency"`
	// CodecOIDC verifies the Temporal UI users' access tokens (metrics.go).
	CodecOIDC CodecOIDC `yaml:"codec_oidc"`
	// TLS serves HTTPS (intaketls.go): the UI forwards tokens to https only.
	TLS IntakeTLS `yaml:"tls"`
	// CodecWithoutToken is set by `jml dev` only: its UI has no sign-in, so
	// loopback callers may use the codec endpoint without a bearer.
	CodecWithoutToken bool `yaml:"-"`
}

// SLA holds the lifecycle deadlines.
type SLA struct {
	Leaver         Duration `yaml:"leaver"`
	JoinerLeadTime Duration `yaml:"joiner_lead_time"`
}

// Leaver tunes offboarding.
type Leaver struct {
	RetireDevices bool `yaml:"retire_devices"`
}

// Elevation is the JIT admin policy.
type Elevation struct {
	DefaultDuration        Duration        `yaml:"default_duration"`
	MaxDuration            Duration        `yaml:"max_duration"`
	ApprovalTimeout        Duration        `yaml:"approval_timeout"`
	RequireCompliantDevice bool            `yaml:"require_compliant_device"`
	RequireMFA             bool            `yaml:"require_mfa"`
	Roles                  []ElevationRole `yaml:"roles"`
}

// ElevationRole is one role that may be requested.
type ElevationRole struct {
	Name        string   `yaml:"name"`
	Directory   string   `yaml:"directory"`
	Role        string   `yaml:"role"`
	MaxDuration Duration `yaml:"max_duration"`
	// Approver: "manager" (the requester's manager) or "employee:<id>".
	Approver string `yaml:"approver"`
}

// Evidence is where evidence files go.
type Evidence struct {
	Dir string `yaml:"dir"`
	// CaptureSchedule is the daily identity-log capture's cron, in UTC
	// (default DefaultCaptureSchedule); LogRetentionDays overrides a
	// directory's retention (config/evidence.go).
	CaptureSchedule  string         `yaml:"capture_schedule"`
	LogRetentionDays map[string]int `yaml:"log_retention_days"`
}

// Dev configures `jml dev`.
type Dev struct {
	StateDir  string `yaml:"state_dir"`
	UIPort    int    `yaml:"ui_port"`
	GRPCPort  int    `yaml:"grpc_port"`
	Employees int    `yaml:"employees"`
	Joiners   int    `yaml:"joiners"`
}

// Codec is the payload-encryption policy; the keys themselves are secrets
// (JML_CODEC_KEYS or JML_CODEC_KEYS_FILE).
type Codec struct {
	// Required refuses plaintext: the worker fails a task whose payloads are
	// not encrypted instead of processing it, and no command starts without
	// keys. Default: on when this process has keys; jml dev always sets it.
	Required bool `yaml:"required"`
}

// Log configures logging.
type Log struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"` // json or console
}

// Duration is a time.Duration written as "1h", "30m".
type Duration time.Duration

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String renders the duration as written.
func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalText parses a Go duration.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration (e.g. 90s, 15m, 1h)", string(b))
	}
	*d = Duration(v)
	return nil
}

// MarshalText renders it back.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// EnabledDirectories lists the enabled directory names in a fixed order.
func (c *Config) EnabledDirectories() []string {
	var out []string
	if c.Directories.Entra.Enabled {
		out = append(out, Entra)
	}
	if c.Directories.Okta.Enabled {
		out = append(out, Okta)
	}
	if c.Directories.Google.Enabled {
		out = append(out, Google)
	}
	if c.Directories.AD.Enabled {
		out = append(out, AD)
	}
	if c.Directories.JumpCloud.Enabled {
		out = append(out, JumpCloud)
	}
	return out
}

// ElevationRole finds a requestable role by name.
func (c *Config) ElevationRole(name string) (ElevationRole, bool) {
	for _, r := range c.Elevation.Roles {
		if r.Name == name {
			return r, true
		}
	}
	return ElevationRole{}, false
}
