package okta

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/okta/okta-sdk-golang/v2/okta"

	"github.com/jml-dev/jml/integrations/directory"
)

// classify is the one place an SDK, HTTP or network failure becomes a
// *directory.Error. status and h are the last HTTP response's (0/nil when
// none arrived); secret is scrubbed from the message.
//
//	429            Throttled, RetryAfter = X-Rate-Limit-Reset − Date (or Retry-After)
//	5xx, 408       Transient
//	404            NotFound
//	400, 401, 403, 409 and other 4xx   Permanent, with errorSummary and causes
//	no response    Transient for network errors, timeouts and resets
func classify(op string, status int, h http.Header, err error, now time.Time, secret string) *directory.Error {
	de := &directory.Error{System: System, Op: op, Status: status}
	var oe *okta.Error
	if errors.As(err, &oe) {
		de.Code = oe.ErrorCode
		de.Message = oktaMessage(oe)
	} else if err != nil {
		de.Message = err.Error()
	}
	// The SDK drops the response once its own 429 retries run out.
	if status == 0 && err != nil && strings.Contains(err.Error(), "too many requests") {
		de.Status, status = http.StatusTooManyRequests, http.StatusTooManyRequests
	}
	switch {
	case status == http.StatusTooManyRequests:
		de.Kind = directory.KindThrottled
		if h != nil {
			de.RetryAfter = directory.RetryAfter(h, now)
		}
		if de.Code == "" {
			de.Code = "E0000047"
		}
	case status >= 500 || status == http.StatusRequestTimeout:
		de.Kind = directory.KindTransient
	case status == http.StatusNotFound:
		de.Kind = directory.KindNotFound
	case status >= 400:
		de.Kind = directory.KindPermanent
	case status == 0:
		de.Kind = noResponseKind(err)
	default:
		// A 2xx/3xx that failed to decode: a proxy or a bad gateway page.
		de.Kind = directory.KindTransient
	}
	de.Message = redact(de.Message, secret)
	return de
}

// noResponseKind: no HTTP answer at all. Timeouts, resets, refused
// connections and cancellations are worth retrying, and so is anything we
// cannot name (as directory.KindOf assumes); a certificate the client does
// not trust is not.
func noResponseKind(err error) directory.Kind {
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	if errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &hn) {
		return directory.KindPermanent
	}
	return directory.KindTransient
}

// oktaMessage is errorSummary plus the causes, in a stable order.
func oktaMessage(oe *okta.Error) string {
	msg := oe.ErrorSummary
	if msg == "" {
		msg = oe.ErrorDescription
	}
	var causes []string
	for _, c := range oe.ErrorCauses {
		keys := make([]string, 0, len(c))
		for k := range c {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			causes = append(causes, fmt.Sprint(c[k]))
		}
	}
	if len(causes) > 0 {
		msg += " (" + strings.Join(causes, "; ") + ")"
	}
	return msg
}

// redact removes the API token from text that may echo a request.
func redact(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "[redacted]")
}

func unknownRole(op, role string) error {
	return &directory.Error{System: System, Op: op, Kind: directory.KindPermanent, Message: "unknown Okta admin role " + fmt.Sprintf("%q", role)}
}
