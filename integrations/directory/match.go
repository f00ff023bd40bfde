package directory

import (
	"context"

	"github.com/jml-dev/jml/domain"
)

// AttributeSearcher finds every account whose attribute equals value
// (hr.login.match_attribute: an attribute that holds the employee id under
// another name). All matches are returned, so the caller can refuse an
// ambiguous one.
type AttributeSearcher interface {
	FindUsersByAttribute(ctx context.Context, attribute, value string) ([]domain.Account, error)
}
