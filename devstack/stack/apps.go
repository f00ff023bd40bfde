package stack

import "github.com/jml-dev/jml/config"

// DemoManualApp is the demo configuration's manual app.
const DemoManualApp = "expensify"

// GrantDemoManualApp adds the catalog rule that grants the demo's manual
// app to Sales, as jml dev runs it: the demo leaver (a Sales employee) then
// opens an owner task. It is not in config/demo.yaml so the other end-to-end
// tests, which terminate Sales employees too, see no owner tasks.
func GrantDemoManualApp(cfg *config.Config) {
	for _, r := range cfg.Catalog.Rules {
		if r.Name == "demo-manual-app" {
			return
		}
	}
	cfg.Catalog.Rules = append(cfg.Catalog.Rules, config.Rule{Name: "demo-manual-app",
		Match: config.Match{Departments: []string{"Sales"}}, Grant: config.Grant{Apps: []string{DemoManualApp}}})
}
