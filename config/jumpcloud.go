package config

import (
	"fmt"
	"slices"
	"strings"
)

// JumpCloud is the directory name of a JumpCloud organisation.
const JumpCloud = "jumpcloud"

// JumpCloudAdminRoles are what a JumpCloud catalog may declare as admin
// roles: user-level sudo on the user's bound devices, with or without a
// password (integrations/jumpcloud); "group:<name>" names a user group with
// sudo enabled. Console administrators are separate accounts jml does not
// manage.
var JumpCloudAdminRoles = []string{"sudo", "passwordless_sudo"}

// JumpCloudDir is a JumpCloud organisation through its console API. The
// API key comes from JML_JUMPCLOUD_API_KEY.
type JumpCloudDir struct {
	Enabled bool `yaml:"enabled"`
	// BaseURL is the console's region: https://console.jumpcloud.com
	// (default), https://console.eu.jumpcloud.com, .in.
	BaseURL string `yaml:"base_url"`
	// OrgID is sent as x-org-id: required for a multi-organisation (MSP)
	// administrator's key, optional otherwise.
	OrgID string `yaml:"org_id"`
	// InsightsURL is the Directory Insights host the month's sign-in and
	// audit events are read from: https://api.jumpcloud.com (default),
	// https://api.eu.jumpcloud.com.
	InsightsURL       string `yaml:"insights_url"`
	RequestsPerMinute int    `yaml:"requests_per_minute"`
}

// jumpcloud checks the JumpCloud section and what the catalog declares for it.
func (v *validator) jumpcloud(c *Config, urlCheck func(path, u string, required bool)) {
	j := c.Directories.JumpCloud
	if j.Enabled {
		urlCheck("directories.jumpcloud.base_url", j.BaseURL, false)
		urlCheck("directories.jumpcloud.insights_url", j.InsightsURL, false)
	}
	if j.OrgID != "" && !objectID(j.OrgID) {
		v.add(0, "directories.jumpcloud.org_id", fmt.Sprintf("%q is not a JumpCloud organization id (24 hexadecimal digits)", j.OrgID))
	}
	if j.RequestsPerMinute < 0 {
		v.add(0, "directories.jumpcloud.requests_per_minute", "must not be negative")
	}
	if len(c.Catalog.Licenses[JumpCloud]) > 0 {
		v.add(0, "catalog.licenses.jumpcloud", "JumpCloud has no licenses to assign")
	}
	for i, r := range c.Catalog.AdminRoles[JumpCloud] {
		if g, ok := strings.CutPrefix(r, "group:"); ok && g != "" {
			continue // a user group with sudo enabled; the client checks it has
		}
		if !slices.Contains(JumpCloudAdminRoles, r) {
			v.add(0, fmt.Sprintf("catalog.admin_roles.jumpcloud[%d]", i), fmt.Sprintf("%q is not a JumpCloud admin role (expected one of: sudo, passwordless_sudo, group:<user group with sudo enabled>)", r))
		}
	}
}

func objectID(s string) bool {
	if len(s) != 24 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
			return false
		}
	}
	return true
}
