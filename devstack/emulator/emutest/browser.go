package emutest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ChromiumPath is where Debian's `chromium` package installs the browser
// (`make test` installs it).
const ChromiumPath = "/usr/bin/chromium"

// Browser starts headless Chromium for one test and returns its context,
// bounded by timeout; everything stops when the test ends. The flags keep
// Chromium off the network this machine does not have (background
// networking, component updates, sync, QUIC) and root-safe (no sandbox).
// extra adds flags (the cluster test trusts its intake's certificate).
func Browser(tb testing.TB, timeout time.Duration, extra ...chromedp.ExecAllocatorOption) context.Context {
	tb.Helper()
	if _, err := os.Stat(ChromiumPath); err != nil {
		tb.Fatalf("headless UI test needs Chromium at %s (Debian: apt-get install -y chromium; make test does it as root): %v", ChromiumPath, err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(ChromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(tb.TempDir()),
	}
	opts = append(opts, extra...)
	// The timeout bounds the whole browser; chromedp wants no timeout on
	// the first Run's own context.
	bctx, cancelB := context.WithTimeout(context.Background(), timeout)
	actx, cancelA := chromedp.NewExecAllocator(bctx, opts...)
	ctx, cancel := chromedp.NewContext(actx)
	tb.Cleanup(func() { cancel(); cancelA(); cancelB() })
	return ctx
}
