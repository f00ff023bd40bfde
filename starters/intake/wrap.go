package intake

import "net/http"

// Wrap puts w around every route (outside the panic recoverer), e.g. the
// metrics middleware counting requests by route and status. Call it
// before Start.
func (s *Server) Wrap(w func(http.Handler) http.Handler) { s.wrap = w }
