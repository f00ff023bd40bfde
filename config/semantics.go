package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
)

// semantics checks meaning: names that must exist, values in range.
func (v *validator) semantics(c *Config) {
	if !slices.Contains(Tracks, c.Track) {
		v.add(0, "track", fmt.Sprintf("%q is not a track (expected one of: %s)", c.Track, strings.Join(Tracks, ", ")))
	}
	if _, _, err := net.SplitHostPort(c.Temporal.Address); err != nil {
		v.add(0, "temporal.address", fmt.Sprintf("%q is not host:port", c.Temporal.Address))
	}
	if c.Temporal.MaxConcurrentActivities < 0 {
		v.add(0, "temporal.max_concurrent_activities", fmt.Sprintf("%d: must be 0 (the default, %d) or more", c.Temporal.MaxConcurrentActivities, DefaultMaxConcurrentActivities))
	}
	tls := c.Temporal.TLS
	if (tls.CertFile == "") != (tls.KeyFile == "") {
		v.add(0, "temporal.tls", "cert_file and key_file must be set together")
	}
	for _, f := range []struct{ p, v string }{{"temporal.tls.cert_file", tls.CertFile}, {"temporal.tls.key_file", tls.KeyFile}, {"temporal.tls.ca_file", tls.CAFile}} {
		if f.v != "" {
			if _, err := os.Stat(f.v); err != nil {
				v.add(0, f.p, fmt.Sprintf("cannot read %s: %v", f.v, underlying(err)))
			}
		}
	}
	enabled := c.EnabledDirectories()
	if len(enabled) == 0 {
		v.add(0, "directories", "no directory is enabled (enable at least one of entra, okta, google)")
	}
	urlCheck := func(path, u string, required bool) {
		if u == "" {
			if required {
				v.add(0, path, "is required")
			}
			return
		}
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			v.add(0, path, fmt.Sprintf("%q is not an http(s) URL", u))
		}
	}
	if c.Directories.Entra.Enabled {
		urlCheck("directories.entra.base_url", c.Directories.Entra.BaseURL, true)
	}
	if ul := c.Directories.Entra.DefaultUsageLocation; ul != "" && !isCountryCode(ul) {
		v.add(0, "directories.entra.default_usage_location", fmt.Sprintf("%q is not a two-letter country code (ISO 3166-1 alpha-2, e.g. US)", ul))
	}
	v.entraSync(c, enabled)
	v.governance(c)
	v.evidenceChecks(c)
	v.sweep(c)
	v.posture(c)
	v.reviews(c)
	if c.Directories.Okta.Enabled {
		urlCheck("directories.okta.org_url", c.Directories.Okta.OrgURL, true)
	}
	if c.Directories.Google.Enabled {
		urlCheck("directories.google.base_url", c.Directories.Google.BaseURL, false)
		if c.Directories.Google.Domain == "" {
			v.add(0, "directories.google.domain", "is required (the Workspace primary domain)")
		}
	}
	v.jumpcloud(c, urlCheck)
	apps := map[string]bool{}
	for i, a := range c.SCIMApps {
		p := fmt.Sprintf("scim_apps[%d]", i)
		v.uniqueName(p+".name", a.Name, apps)
		urlCheck(p+".base_url", a.BaseURL, true)
		if a.DeactivateBy != "patch" && a.DeactivateBy != "delete" {
			v.add(0, p+".deactivate_by", fmt.Sprintf("%q is not patch or delete", a.DeactivateBy))
		}
	}
	if c.Slack.Enabled {
		urlCheck("slack.api_url", c.Slack.APIURL, false)
		if c.Slack.SecurityChannel == "" {
			v.add(0, "slack.security_channel", "is required when slack is enabled (SLA breaches are posted there)")
		}
	}
	v.hrguard(c)
	if c.Intake.Concurrency < 1 || c.Intake.Concurrency > 1024 {
		v.add(0, "intake.concurrency", fmt.Sprintf("%d is not between 1 and 1024", c.Intake.Concurrency))
	}
	if _, _, err := net.SplitHostPort(c.Intake.Listen); err != nil {
		v.add(0, "intake.listen", fmt.Sprintf("%q is not host:port", c.Intake.Listen))
	}
	if c.SLA.Leaver <= 0 {
		v.add(0, "sla.leaver", "must be positive")
	}
	if c.Elevation.DefaultDuration > c.Elevation.MaxDuration {
		v.add(0, "elevation.default_duration", fmt.Sprintf("%s is longer than elevation.max_duration %s", c.Elevation.DefaultDuration, c.Elevation.MaxDuration))
	}
	roles := map[string]bool{}
	for i, r := range c.Elevation.Roles {
		p := fmt.Sprintf("elevation.roles[%d]", i)
		v.uniqueName(p+".name", r.Name, roles)
		v.directory(p+".directory", r.Directory, enabled)
		if r.Directory != "" && !slices.Contains(c.Catalog.AdminRoles[r.Directory], r.Role) {
			v.add(0, p+".role", fmt.Sprintf("%q is not declared in catalog.admin_roles.%s", r.Role, r.Directory))
		}
		if r.MaxDuration > c.Elevation.MaxDuration {
			v.add(0, p+".max_duration", fmt.Sprintf("%s is longer than elevation.max_duration %s", r.MaxDuration, c.Elevation.MaxDuration))
		}
		if r.Approver != "manager" && !strings.HasPrefix(r.Approver, "employee:") {
			v.add(0, p+".approver", fmt.Sprintf("%q is not \"manager\" or \"employee:<id>\"", r.Approver))
		}
	}
	v.apps(c, enabled, apps) // config/apps.go
	v.catalog(c, enabled, apps)
	v.adChecks(c)
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.Log.Level) {
		v.add(0, "log.level", fmt.Sprintf("%q is not one of debug, info, warn, error", c.Log.Level))
	}
	if c.Log.Format != "json" && c.Log.Format != "console" {
		v.add(0, "log.format", fmt.Sprintf("%q is not json or console", c.Log.Format))
	}
	if !slices.Contains([]string{"webhook", "bamboohr"}, c.HR.Source) {
		v.add(0, "hr.source", fmt.Sprintf("%q is not webhook or bamboohr", c.HR.Source))
	}
	if sd := c.HR.BambooHR.Subdomain; sd != "" && !dnsLabel(sd) {
		v.add(0, "hr.bamboohr.subdomain", fmt.Sprintf("%q is not a subdomain (letters, digits and '-'; the <name> of https://<name>.bamboohr.com)", sd))
	}
	urlCheck("hr.bamboohr.base_url", c.HR.BambooHR.BaseURL, c.HR.Source == "bamboohr")
	v.hrSources(c)
	v.hrGuard(c)
}

func dnsLabel(s string) bool {
	if len(s) > 63 || strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// uniqueName checks that a list entry's name is set and not taken, and
// records it in seen.
func (v *validator) uniqueName(path, name string, seen map[string]bool) {
	if name == "" {
		v.add(0, path, "is required")
	} else if seen[name] {
		v.add(0, path, fmt.Sprintf("%q is defined twice", name))
	}
	seen[name] = true
}

func (v *validator) directory(path, name string, enabled []string) bool {
	if !slices.Contains(KnownDirectories, name) {
		v.add(0, path, fmt.Sprintf("%q is not a directory (expected one of: %s)", name, strings.Join(KnownDirectories, ", ")))
		return false
	}
	if !slices.Contains(enabled, name) {
		v.add(0, path, fmt.Sprintf("directory %q is not enabled under directories", name))
		return false
	}
	return true
}

func (v *validator) catalog(c *Config, enabled []string, apps map[string]bool) {
	cat := c.Catalog
	for _, decl := range []struct {
		key string
		m   map[string][]string
	}{{"groups", cat.Groups}, {"licenses", cat.Licenses}, {"admin_roles", cat.AdminRoles}} {
		for _, dir := range sortedKeys(decl.m) {
			if !slices.Contains(KnownDirectories, dir) {
				v.add(0, "catalog."+decl.key+"."+dir, fmt.Sprintf("%q is not a directory (expected one of: %s)", dir, strings.Join(KnownDirectories, ", ")))
			}
		}
	}
	if len(cat.Licenses[Okta])+len(cat.Licenses[Google]) > 0 {
		v.add(0, "catalog.licenses", "licenses are managed in entra only")
	}
	checkGrant := func(path string, g Grant) {
		refs := []struct {
			key  string
			got  map[string][]string
			decl map[string][]string
		}{{"groups", g.Groups, cat.Groups}, {"licenses", g.Licenses, cat.Licenses}, {"admin_roles", g.AdminRoles, cat.AdminRoles}}
		for _, r := range refs {
			for _, dir := range sortedKeys(r.got) {
				p := path + "." + r.key + "." + dir
				if !v.directory(p, dir, enabled) {
					continue
				}
				for i, name := range r.got[dir] {
					if !slices.Contains(r.decl[dir], name) {
						v.add(0, fmt.Sprintf("%s[%d]", p, i), fmt.Sprintf("%q is not declared in catalog.%s.%s", name, r.key, dir))
					}
				}
			}
		}
		for i, a := range g.Apps {
			if !apps[a] {
				v.add(0, fmt.Sprintf("%s.apps[%d]", path, i), fmt.Sprintf("%q is not an app defined in scim_apps or apps", a))
			}
		}
	}
	checkGrant("catalog.birthright", cat.Birthright)
	names := map[string]bool{}
	for i, r := range cat.Rules {
		p := fmt.Sprintf("catalog.rules[%d]", i)
		v.uniqueName(p+".name", r.Name, names)
		if r.Match.empty() {
			v.add(0, p+".match", "is empty: a rule must match on at least one of departments, titles, locations, employment_types")
		}
		checkGrant(p, r.Grant)
	}
}

// requireSecrets checks that each enabled system has its credential.
func (v *validator) requireSecrets(c *Config) {
	s := c.Secrets
	need := func(ok bool, path, vars string) {
		if !ok {
			v.add(0, path, "needs a credential in the environment: set "+vars)
		}
	}
	if c.Directories.Entra.Enabled {
		need(s.EntraClientSecret.Set() || s.EntraToken.Set(), "directories.entra", "JML_ENTRA_CLIENT_SECRET (or JML_ENTRA_TOKEN), or the _FILE variant")
	}
	if c.Directories.Okta.Enabled {
		need(s.OktaToken.Set(), "directories.okta", "JML_OKTA_TOKEN or JML_OKTA_TOKEN_FILE")
	}
	if c.Directories.Google.Enabled {
		need(s.GoogleCredentials.Set() || s.GoogleToken.Set(), "directories.google", "JML_GOOGLE_CREDENTIALS (service-account JSON) or JML_GOOGLE_TOKEN, or the _FILE variant")
	}
	v.adSecrets(c)
	if c.Directories.JumpCloud.Enabled {
		need(s.JumpCloudAPIKey.Set(), "directories.jumpcloud", "JML_JUMPCLOUD_API_KEY or JML_JUMPCLOUD_API_KEY_FILE")
	}
	for i, a := range c.SCIMApps {
		need(s.SCIMTokens[a.Name].Set(), fmt.Sprintf("scim_apps[%d]", i), SCIMTokenVar(a.Name))
	}
	if c.Slack.Enabled {
		need(s.SlackBotToken.Set(), "slack", "JML_SLACK_BOT_TOKEN")
		need(s.SlackSigningSecret.Set(), "slack", "JML_SLACK_SIGNING_SECRET")
	}
}

// requireIntakeSecrets checks that each route jml serve mounts can verify
// what it receives: without its secret a route would start, say ok on
// /healthz, and refuse every correctly signed request.
func (v *validator) requireIntakeSecrets(c *Config, codecKeys bool) {
	s := c.Secrets
	if !s.HRWebhookSecret.Set() {
		v.add(0, "intake", "POST /hr/records needs its HMAC key: set JML_HR_WEBHOOK_SECRET (or JML_HR_WEBHOOK_SECRET_FILE)")
	}
	if c.HR.Source == "bamboohr" && !s.BambooHRAPIKey.Set() {
		v.add(0, "hr.bamboohr", "POST /hr/bamboohr needs the BambooHR API key to fetch the records it is told about: set JML_BAMBOOHR_API_KEY")
	}
	if codecKeys && !s.CodecServerToken.Set() && c.Intake.CodecOIDC.Issuer == "" {
		v.add(0, "intake", "the codec endpoint (/codec) needs a way to check its callers: set JML_CODEC_SERVER_TOKEN (the temporal CLI's bearer) or intake.codec_oidc.issuer (JML_CODEC_OIDC_ISSUER, the Temporal UI's signed-in users) (payload keys are set)")
	}
}
