package domain

// AppMode is how jml provisions a catalog app.
type AppMode string

const (
	// AppModeSCIM: jml creates and deactivates the account over SCIM 2.0.
	AppModeSCIM AppMode = "scim"
	// AppModeIdPGroup: the app syncs its users from a group in a directory
	// (Okta, Entra, Google); jml manages that group's membership.
	AppModeIdPGroup AppMode = "idp_group"
	// AppModeManual: nobody can reach the app's API; its owner creates and
	// removes accounts by hand, and confirms in Slack.
	AppModeManual AppMode = "manual"
)

// Automated reports whether jml provisions the app without a person.
func (m AppMode) Automated() bool { return m == AppModeSCIM || m == AppModeIdPGroup }

// AppGroup is the directory group an idp_group app follows.
type AppGroup struct {
	Directory string `json:"directory"`
	Group     string `json:"group"`
}

// appGroups adds the groups of the idp_group apps among apps.
func (c Catalog) appGroups(groups map[string][]string, apps []string) {
	for _, a := range apps {
		if g, ok := c.AppGroups[a]; ok {
			groups[g.Directory] = append(groups[g.Directory], g.Group)
		}
	}
}
