package workflows

import (
	"strings"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// Classify decides what record r means for an employee in state st. It is
// pure: the same state and record always give the same answer.
func Classify(st *contract.EmployeeState, r domain.HRRecord) (domain.Classification, domain.ClassifyReason) {
	if st.Record == nil {
		if r.Status == domain.HRTerminated {
			return domain.ClassLeave, domain.ReasonFirstIsTermination
		}
		return domain.ClassJoin, domain.ReasonFirstRecord
	}
	prev := st.Record
	if !r.UpdatedAt.IsZero() && !prev.UpdatedAt.IsZero() && r.UpdatedAt.Before(prev.UpdatedAt) {
		return domain.ClassNoOp, domain.ReasonStale
	}
	pendingLeave := pendingIndex(st.Pending, domain.EventLeaver) >= 0
	if r.Status == domain.HRTerminated {
		if st.Terminated {
			if pendingLeave && !r.TerminationAt().Equal(prev.TerminationAt()) {
				return domain.ClassLeave, domain.ReasonTerminationMoved
			}
			return domain.ClassNoOp, domain.ReasonTerminationRepeated
		}
		return domain.ClassLeave, domain.ReasonTerminated
	}
	if st.Terminated {
		if pendingLeave {
			return domain.ClassTerminationCancelled, domain.ReasonActiveBeforeEffective
		}
		return domain.ClassRehire, domain.ReasonActiveAfterTermination
	}
	if f := relevantChanges(*prev, r); f != "" {
		return domain.ClassMove, domain.ReasonChanged(f)
	}
	return domain.ClassNoOp, domain.ReasonNothingRelevant
}

// moverField is one HR field a mover follows, as it is in two records.
type moverField struct{ name, a, b string }

// moverFields are the HR fields a mover follows, the classification's and
// the managers' message alike.
func moverFields(a, b domain.HRRecord) []moverField {
	return []moverField{
		{"department", a.Department, b.Department}, {"title", a.Title, b.Title}, {"location", a.Location, b.Location},
		{"manager", a.ManagerEmployeeID, b.ManagerEmployeeID}, {"employment_type", a.EmploymentType, b.EmploymentType},
	}
}

// relevantChanges lists the mover-relevant fields that differ.
func relevantChanges(a, b domain.HRRecord) string {
	var names []string
	for _, f := range moverFields(a, b) {
		if f.a != f.b {
			names = append(names, f.name)
		}
	}
	return strings.Join(names, ",")
}
