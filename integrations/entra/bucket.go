package entra

import (
	"net/http"
	"strings"
)

// Bucket names the Graph throttling quota a request spends: Intune's
// device management is its own service; in identity and access, writes
// have their own quota per app and tenant, far below the reads'
// (learn.microsoft.com/graph/throttling-limits).
func Bucket(r *http.Request) string {
	if strings.Contains(r.URL.Path, "/deviceManagement/") {
		return "intune"
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return "read"
	}
	return "write"
}
