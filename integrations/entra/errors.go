package entra

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/jml-dev/jml/integrations/directory"
)

// classify is the one place a Graph SDK or network failure becomes a
// *directory.Error: 429 Throttled (with Retry-After), 5xx, timeouts and
// resets Transient, 404 NotFound, other 4xx Permanent with Graph's message.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	var de *directory.Error
	if errors.As(err, &de) {
		return err
	}
	out := &directory.Error{System: System, Op: op}

	var oe *odataerrors.ODataError
	var ae *abs.ApiError
	switch {
	case errors.As(err, &oe):
		out.Status = oe.ResponseStatusCode
		out.Message = oe.Error()
		if main := oe.GetErrorEscaped(); main != nil {
			if c := main.GetCode(); c != nil {
				out.Code = *c
			}
			if m := main.GetMessage(); m != nil {
				out.Message = *m
			}
		}
		out.RetryAfter = retryAfter(oe.ResponseHeaders)
	case errors.As(err, &ae):
		out.Status = ae.ResponseStatusCode
		out.Message = ae.Error()
		out.RetryAfter = retryAfter(ae.ResponseHeaders)
	default:
		out.Kind = directory.KindTransient
		out.Message = err.Error()
		if !transportFailure(err) {
			// serialisation or programming errors will not heal on retry
			out.Kind = directory.KindPermanent
		}
		return out
	}

	switch s := out.Status; {
	case s == http.StatusTooManyRequests:
		out.Kind = directory.KindThrottled
	case s == http.StatusNotFound:
		out.Kind = directory.KindNotFound
	case s == http.StatusRequestTimeout || s >= 500:
		out.Kind = directory.KindTransient
	case s >= 400:
		out.Kind = directory.KindPermanent
	default:
		// an error without a status: the SDK gave up before an answer
		out.Kind = directory.KindTransient
	}
	return out
}

// transportFailure reports a network-level failure worth retrying.
func transportFailure(err error) bool {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EPIPE):
		return true
	case errors.As(err, &ne):
		return true
	}
	s := err.Error()
	return strings.Contains(s, "connection reset") || strings.Contains(s, "server closed") || strings.Contains(s, "EOF")
}

func retryAfter(h *abs.ResponseHeaders) time.Duration {
	if h == nil {
		return 0
	}
	hh := http.Header{}
	for _, k := range h.ListKeys() {
		for _, v := range h.Get(k) {
			hh.Add(k, v)
		}
	}
	return directory.RetryAfter(hh, time.Now())
}
