package domain

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// PolicyChange is one field of one policy that differs between two
// snapshots; Field is empty when the whole policy was added or removed.
type PolicyChange struct {
	PolicyID string `json:"policy_id"`
	Policy   string `json:"policy"` // display name
	Field    string `json:"field,omitempty"`
	Old      string `json:"old,omitempty"`
	New      string `json:"new,omitempty"`
	Kind     string `json:"kind"` // added, removed, changed
}

// String reads as a line of the alert.
func (c PolicyChange) String() string {
	switch c.Kind {
	case "added":
		return fmt.Sprintf("%s (%s): added", c.Policy, c.PolicyID)
	case "removed":
		return fmt.Sprintf("%s (%s): removed", c.Policy, c.PolicyID)
	}
	return fmt.Sprintf("%s (%s): %s: %s → %s", c.Policy, c.PolicyID, c.Field, c.Old, c.New)
}

// volatileFields change without anyone changing the policy.
var volatileFields = map[string]bool{"modifiedDateTime": true, "lastUpdated": true, "_links": true, "@odata.context": true}

// flatten writes every leaf of v as dotted path → JSON text; a list is
// one leaf, so ["All"] → ["All","x"] reads as one change.
func flatten(prefix string, v any, out map[string]string) {
	if m, ok := v.(map[string]any); ok {
		for k, x := range m {
			if volatileFields[k] {
				continue
			}
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			flatten(p, x, out)
		}
		return
	}
	b, _ := json.Marshal(v)
	out[prefix] = string(b)
}

func policyName(raw map[string]any, id string) string {
	for _, k := range []string{"displayName", "name", "primaryEmail"} {
		if s, ok := raw[k].(string); ok && s != "" {
			return s
		}
	}
	return id
}

// DiffSnapshots lists what changed from old to new, policy by policy and
// field by field, in a stable order.
func DiffSnapshots(old, new PolicySnapshot) []PolicyChange {
	var out []PolicyChange
	ids := slices.Sorted(maps.Keys(new.Raw))
	for id := range old.Raw {
		if _, ok := new.Raw[id]; !ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		o, inOld := old.Raw[id]
		n, inNew := new.Raw[id]
		switch {
		case !inOld:
			out = append(out, PolicyChange{PolicyID: id, Policy: policyName(n, id), Kind: "added"})
			continue
		case !inNew:
			out = append(out, PolicyChange{PolicyID: id, Policy: policyName(o, id), Kind: "removed"})
			continue
		}
		fo, fn := map[string]string{}, map[string]string{}
		flatten("", o, fo)
		flatten("", n, fn)
		fields := slices.Sorted(maps.Keys(fn))
		for f := range fo {
			if _, ok := fn[f]; !ok {
				fields = append(fields, f)
			}
		}
		slices.Sort(fields)
		for _, f := range slices.Compact(fields) {
			a, b := fo[f], fn[f]
			if a == b {
				continue
			}
			if a == "" {
				a = "(absent)"
			}
			if b == "" {
				b = "(absent)"
			}
			out = append(out, PolicyChange{PolicyID: id, Policy: policyName(n, id), Field: f, Old: a, New: b, Kind: "changed"})
		}
	}
	return out
}

// DiffText is the alert's body: one line per change.
func DiffText(cs []PolicyChange) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString("• " + c.String() + "\n")
	}
	return b.String()
}
