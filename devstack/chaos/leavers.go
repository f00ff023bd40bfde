package chaos

import (
	"context"
	"fmt"
	"io"

	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulators"
	"github.com/jml-dev/jml/domain"
)

// Leaver is one leaver of a burst run elsewhere (the cluster test): the
// seeded employee and the termination record HR sent.
type Leaver struct {
	Employee demoorg.Employee
	Record   domain.HRRecord
}

func leaverPeople(ls []Leaver) []person {
	out := make([]person, 0, len(ls))
	for _, l := range ls {
		out = append(out, person{rec: l.Record, emp: l.Employee, leaver: true,
			workflow: contract.LifecycleWorkflowID(l.Record.EmployeeID, domain.EventLeaver, 1)})
	}
	return out
}

// WaitLeavers waits for every leaver's workflow, as the chaos run does, and
// returns the completed results by workflow id and the problems found.
func WaitLeavers(ctx context.Context, c client.Client, ls []Leaver, progress io.Writer) (map[string]contract.LifecycleResult, []string) {
	rep := &Report{}
	say := func(format string, a ...any) {
		if progress != nil {
			_, _ = io.WriteString(progress, "cluster: "+sprintf(format, a...)+"\n")
		}
	}
	res, _ := waitAll(ctx, c, leaverPeople(ls), rep, say, make(chan struct{}))
	return res, rep.Problems
}

// CheckLeavers runs the chaos run's end-state checks on a burst of
// leavers: every lane ok and verified, every directory's state, no
// duplicate account or membership, one offboarding row each.
func CheckLeavers(cfg *config.Config, emus *emulators.Set, ls []Leaver, results map[string]contract.LifecycleResult) []string {
	rep := &Report{}
	check(rep, cfg, emus, leaverPeople(ls), results)
	return rep.Problems
}

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }
