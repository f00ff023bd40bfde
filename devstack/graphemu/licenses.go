package graphemu

import (
	"net/http"
	"slices"
	"strings"
)

// ---- licenses ----

func (e *Emulator) listSkus(w http.ResponseWriter, r *http.Request) {
	e.mu.RLock()
	items := make([]any, 0, len(e.skus))
	for _, s := range e.skus {
		used := 0
		for _, u := range e.users {
			if slices.Contains(u.Licenses, strings.ToLower(s.SkuID)) {
				used++
			}
		}
		items = append(items, map[string]any{
			"id":               "00000000-0000-0000-0000-000000000000_" + s.SkuID,
			"accountEnabled":   true,
			"appliesTo":        "User",
			"capabilityStatus": "Enabled",
			"consumedUnits":    used,
			"skuId":            s.SkuID,
			"skuPartNumber":    s.SkuPartNumber,
			"prepaidUnits":     map[string]any{"enabled": s.Prepaid, "lockedOut": 0, "suspended": 0, "warning": 0},
			"servicePlans":     []any{},
			"subscriptionIds":  []string{},
			"accountId":        "00000000-0000-0000-0000-000000000000",
			"accountName":      "jml demo",
		})
	}
	e.mu.RUnlock()
	e.page(w, r, "subscribedSkus", items)
}
