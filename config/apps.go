package config

import (
	"fmt"
	"slices"
	"time"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// App is a catalog app jml does not reach over SCIM (those are scim_apps):
//
//	apps:
//	  - name: figma
//	    mode: idp_group   # the app syncs its users from a directory group
//	    directory: okta
//	    group: app-figma  # declared in catalog.groups.okta
//	  - name: expensify
//	    mode: manual      # its owner adds and removes accounts by hand
//	    owner: E0002      # HR employee id; asked in Slack, confirms with Done
//	    fallback: E0003   # optional: may confirm too
//	    deadline: 72h     # reminded at half, escalated to security at the deadline
type App struct {
	Name      string   `yaml:"name"`
	Mode      string   `yaml:"mode"`
	Directory string   `yaml:"directory"`
	Group     string   `yaml:"group"`
	Owner     string   `yaml:"owner"`
	Fallback  string   `yaml:"fallback"`
	Deadline  Duration `yaml:"deadline"`
}

// idpGroupDirectories are the directories an app can sync a group from.
var idpGroupDirectories = []string{Okta, Entra, Google}

// AppModes lists every catalog app with its provisioning mode: scim_apps
// first (scim), then apps, in file order (the KPI and the catalog report).
func (c *Config) AppModes() []contract.AppModeEntry {
	var out []contract.AppModeEntry
	for _, a := range c.SCIMApps {
		out = append(out, contract.AppModeEntry{Name: a.Name, Mode: domain.AppModeSCIM})
	}
	for _, a := range c.Apps {
		e := contract.AppModeEntry{Name: a.Name, Mode: domain.AppMode(a.Mode), Owner: a.Owner}
		if e.Mode == domain.AppModeIdPGroup {
			e.Directory, e.Group = a.Directory, a.Group
		}
		out = append(out, e)
	}
	return out
}

// ManualApps is the manual apps as the lifecycle workflows need them.
func (c *Config) ManualApps() []contract.ManualApp {
	var out []contract.ManualApp
	for _, a := range c.Apps {
		if domain.AppMode(a.Mode) == domain.AppModeManual {
			out = append(out, contract.ManualApp{Name: a.Name, Owner: a.Owner, Fallback: a.Fallback, Deadline: a.Deadline.D()})
		}
	}
	return out
}

// appGroups is what the catalog engine needs of the idp_group apps.
func (c *Config) appGroups() map[string]domain.AppGroup {
	out := map[string]domain.AppGroup{}
	for _, a := range c.Apps {
		if domain.AppMode(a.Mode) == domain.AppModeIdPGroup {
			out[a.Name] = domain.AppGroup{Directory: a.Directory, Group: a.Group}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// apps checks the apps section; names join the scim_apps' in seen, so a
// rule may grant either and no name is defined twice.
func (v *validator) apps(c *Config, enabled []string, seen map[string]bool) {
	for i, a := range c.SCIMApps {
		if a.Mode != "" && a.Mode != string(domain.AppModeSCIM) {
			v.add(0, fmt.Sprintf("scim_apps[%d].mode", i), fmt.Sprintf("%q: a scim_apps entry is mode scim; declare %s apps under apps", a.Mode, a.Mode))
		}
	}
	for i, a := range c.Apps {
		p := fmt.Sprintf("apps[%d]", i)
		v.uniqueName(p+".name", a.Name, seen)
		mode := domain.AppMode(a.Mode)
		onlyFor := func(field string, set bool, m domain.AppMode) {
			if set && mode != m {
				v.add(0, p+"."+field, fmt.Sprintf("is only for mode %s (app %q is %s)", m, a.Name, a.Mode))
			}
		}
		onlyFor("directory", a.Directory != "", domain.AppModeIdPGroup)
		onlyFor("group", a.Group != "", domain.AppModeIdPGroup)
		onlyFor("fallback", a.Fallback != "", domain.AppModeManual)
		onlyFor("deadline", a.Deadline != 0, domain.AppModeManual)
		switch mode {
		case domain.AppModeIdPGroup:
			v.appGroup(c, p, a, enabled)
		case domain.AppModeManual:
			v.manualApp(p, a)
		case domain.AppModeSCIM:
			v.add(0, p+".mode", fmt.Sprintf("app %q: scim apps are declared under scim_apps (they need a base_url)", a.Name))
		case "":
			v.add(0, p+".mode", fmt.Sprintf("is required for app %q (idp_group or manual)", a.Name))
		default:
			v.add(0, p+".mode", fmt.Sprintf("%q is not idp_group or manual (app %q)", a.Mode, a.Name))
		}
		if a.Owner != "" && !domain.ValidEmployeeID(a.Owner) {
			v.add(0, p+".owner", fmt.Sprintf("%q is not an employee id (app %q)", a.Owner, a.Name))
		}
	}
}

func (v *validator) appGroup(c *Config, p string, a App, enabled []string) {
	if a.Directory == "" {
		v.add(0, p+".directory", fmt.Sprintf("is required for idp_group app %q (one of: okta, entra, google)", a.Name))
	} else if !slices.Contains(idpGroupDirectories, a.Directory) {
		v.add(0, p+".directory", fmt.Sprintf("%q: an idp_group app syncs from okta, entra or google (app %q)", a.Directory, a.Name))
		return
	} else if !v.directory(p+".directory", a.Directory, enabled) {
		return
	}
	switch {
	case a.Group == "":
		v.add(0, p+".group", fmt.Sprintf("is required for idp_group app %q (the group the app syncs from)", a.Name))
	case a.Directory != "" && !slices.Contains(c.Catalog.Groups[a.Directory], a.Group):
		v.add(0, p+".group", fmt.Sprintf("%q is not declared in catalog.groups.%s (app %q)", a.Group, a.Directory, a.Name))
	}
}

func (v *validator) manualApp(p string, a App) {
	if a.Owner == "" {
		v.add(0, p+".owner", fmt.Sprintf("is required for manual app %q (the HR employee id who adds and removes its accounts)", a.Name))
	}
	if a.Fallback != "" && !domain.ValidEmployeeID(a.Fallback) {
		v.add(0, p+".fallback", fmt.Sprintf("%q is not an employee id (app %q)", a.Fallback, a.Name))
	} else if a.Fallback != "" && a.Fallback == a.Owner {
		v.add(0, p+".fallback", fmt.Sprintf("is the owner (app %q); name someone else or leave it out", a.Name))
	}
	switch d := a.Deadline.D(); {
	case d == 0:
		v.add(0, p+".deadline", fmt.Sprintf("is required for manual app %q (how long the owner has, e.g. 72h)", a.Name))
	case d < time.Minute:
		v.add(0, p+".deadline", fmt.Sprintf("%s is shorter than a minute (app %q)", d, a.Name))
	}
}
