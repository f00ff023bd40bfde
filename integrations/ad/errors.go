package ad

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/jml-dev/jml/integrations/directory"
)

// transientCodes are LDAP result codes a retry can fix: the DC is busy,
// unavailable (a DC shutting down or not yet replicated), or over a limit.
var transientCodes = map[uint16]bool{
	ldap.LDAPResultBusy:               true,
	ldap.LDAPResultUnavailable:        true,
	ldap.LDAPResultTimeLimitExceeded:  true,
	ldap.LDAPResultAdminLimitExceeded: true,
	ldap.LDAPResultOther:              true, // AD's catch-all, often a transient server state
	ldap.ErrorNetwork:                 true,
}

// classify turns a go-ldap error into the project's one error type.
// Permanent: constraint violation (password policy, a value AD refuses),
// insufficient rights, invalid credentials, an entry that already exists,
// schema violations, unwilling to perform. Not found: no such object.
// Transient: busy, unavailable, limits, and every network failure.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	var de *directory.Error
	if errors.As(err, &de) {
		return err
	}
	e := &directory.Error{System: System, Op: op, Kind: directory.KindTransient, Message: scrub(err.Error())}
	var le *ldap.Error
	switch {
	case errors.As(err, &le):
		e.Status = int(le.ResultCode)
		e.Code = ldap.LDAPResultCodeMap[le.ResultCode]
		e.Message = scrub(le.Err.Error())
		switch {
		case le.ResultCode == ldap.LDAPResultNoSuchObject:
			e.Kind = directory.KindNotFound
		case transientCodes[le.ResultCode]:
			e.Kind = directory.KindTransient
		case le.ResultCode == ldap.LDAPResultCanceled:
			e.Kind = directory.KindTransient
		default:
			e.Kind = directory.KindPermanent
		}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		e.Kind = directory.KindTransient
	}
	return e
}

// isNetwork reports a failure of the connection rather than an answer.
func isNetwork(err error) bool {
	var le *ldap.Error
	if errors.As(err, &le) {
		if le.ResultCode == ldap.ErrorNetwork {
			return true
		}
		if le.Err != nil && isNetwork(le.Err) {
			return true
		}
		return strings.Contains(le.Error(), "connection closed")
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed)
}

// scrub keeps a message short and free of anything that could be a
// password: go-ldap never echoes one, and AD's diagnostic strings name
// codes, not values, but a unicodePwd value must never reach an error.
func scrub(s string) string {
	if i := strings.Index(strings.ToLower(s), "unicodepwd"); i >= 0 {
		s = s[:i] + "unicodePwd (value withheld)"
	}
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// ldapCode is the LDAP result code in err, or 0.
func ldapCode(err error) uint16 {
	var de *directory.Error
	if errors.As(err, &de) && de.System == System {
		return uint16(de.Status)
	}
	var le *ldap.Error
	if errors.As(err, &le) {
		return le.ResultCode
	}
	return 0
}

func isTransient(err error) bool { return directory.KindOf(err) == directory.KindTransient }
