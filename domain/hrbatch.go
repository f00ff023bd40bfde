package domain

// Batch rules: what one file (or one webhook batch) says about several
// records at once. They name rows by index; the caller maps indexes to
// its refs ("line 7", "records[3]").

// FirstOccurrences returns, for each record, the index of the first record
// with the same employee id (its own index when it is the first; -1 when
// it has no id). A later occurrence is a duplicate: one file states each
// person once, and applying both would let the second overwrite the first
// as a "mover".
func FirstOccurrences(recs []HRRecord) []int {
	first := make(map[string]int, len(recs))
	out := make([]int, len(recs))
	for i, r := range recs {
		out[i] = -1
		if r.EmployeeID == "" {
			continue
		}
		if j, ok := first[r.EmployeeID]; ok {
			out[i] = j
			continue
		}
		first[r.EmployeeID] = i
		out[i] = i
	}
	return out
}

// ManagerCycles returns each manager cycle among recs once, as the employee
// ids around it in reporting order, starting at the cycle's first record
// in recs order (A reports to B reports to A: [A B]). Self-management is a
// per-record error (Validate), not a cycle here.
func ManagerCycles(recs []HRRecord) [][]string {
	manager := make(map[string]string, len(recs))
	order := make([]string, 0, len(recs))
	for _, r := range recs {
		if r.EmployeeID == "" {
			continue
		}
		if _, seen := manager[r.EmployeeID]; !seen {
			order = append(order, r.EmployeeID)
		}
		manager[r.EmployeeID] = r.ManagerEmployeeID
	}
	const (
		unvisited = iota
		onPath
		done
	)
	state := make(map[string]int, len(manager))
	var cycles [][]string
	for _, start := range order {
		var path []string
		at := map[string]int{}
		for id := start; id != "" && id != manager[id]; id = manager[id] {
			if _, inFile := manager[id]; !inFile || state[id] == done {
				break
			}
			if state[id] == onPath {
				cycles = append(cycles, append([]string(nil), path[at[id]:]...))
				break
			}
			state[id] = onPath
			at[id] = len(path)
			path = append(path, id)
		}
		for _, id := range path {
			state[id] = done
		}
	}
	return cycles
}
