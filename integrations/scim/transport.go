package scim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/jml-dev/jml/integrations/directory"
)

// ---- transport ----

// send does one request. It never retries; see call.
func (c *Client) send(ctx context.Context, op, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return &directory.Error{System: c.Name(), Op: op, Kind: directory.KindPermanent, Message: "encode request: " + err.Error()}
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return &directory.Error{System: c.Name(), Op: op, Kind: directory.KindPermanent, Message: "build request: " + err.Error()}
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", contentType+", application/json")
	if in != nil {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// url.Error carries the URL, never the header: safe to show
		return &directory.Error{System: c.Name(), Op: op, Kind: directory.KindTransient, Message: redact(err.Error(), c.token)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return &directory.Error{System: c.Name(), Op: op, Kind: directory.KindTransient, Status: resp.StatusCode, Message: "read response: " + err.Error()}
	}
	if e := classify(c.Name(), op, resp.StatusCode, resp.Header, b, c.now(), c.token); e != nil {
		return e
	}
	if out != nil && len(bytes.TrimSpace(b)) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return &directory.Error{System: c.Name(), Op: op, Kind: directory.KindPermanent, Status: resp.StatusCode, Message: "response is not SCIM JSON: " + err.Error()}
		}
	}
	return nil
}

// call sends an idempotent request, retrying Throttled and Transient answers
// with bounded exponential backoff that honours Retry-After.
func (c *Client) call(ctx context.Context, op, method, path string, in, out any) error {
	var err error
	for attempt := 0; attempt < c.attempts; attempt++ {
		if attempt > 0 {
			if werr := c.sleep(ctx, c.wait(err, attempt)); werr != nil {
				return werr
			}
		}
		err = c.send(ctx, op, method, path, in, out)
		if !retryable(err) {
			return err
		}
	}
	return err
}

func retryable(err error) bool {
	k := directory.KindOf(err)
	var de *directory.Error
	return err != nil && errors.As(err, &de) && (k == directory.KindThrottled || k == directory.KindTransient)
}

// wait is the delay before retry number attempt: the server's Retry-After
// when given, else 250ms doubling, capped at MaxWait.
func (c *Client) wait(err error, attempt int) time.Duration {
	d := 250 * time.Millisecond << (attempt - 1)
	var de *directory.Error
	if errors.As(err, &de) && de.RetryAfter > 0 {
		d = de.RetryAfter
	}
	return min(d, c.maxWait)
}
