package workers

import (
	"github.com/jml-dev/jml/activities"
	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
)

// hrImports builds the scheduled import's activities from hr.sources: each
// csv or json source with a drop folder, read with its own profile.
func hrImports(r contract.Registry, cfg *config.Config, deps *Deps) {
	h := &activities.HRImports{Sources: map[string]activities.HRImportSource{}, EvidenceDir: cfg.Evidence.Dir,
		MaxMissing: cfg.HR.Guard.MaxMissing, Sink: deps.HRSink, Concurrency: cfg.Intake.Concurrency}
	for _, s := range cfg.HR.Sources {
		if s.DropFolder == "" || (s.Kind != "csv" && s.Kind != "json") {
			continue
		}
		p, err := cfg.HRProfile(s.Name)
		if err != nil {
			continue // the configuration's checks refused it already
		}
		h.Sources[s.Name] = activities.HRImportSource{Name: s.Name, Kind: s.Kind, DropFolder: s.DropFolder, Profile: p}
	}
	h.Register(r)
}
