package main

import (
	"context"
	"flag"
	"io"
	"time"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
)

// datedFlags are the flags of a command that runs one day's workflow now
// (jml posture, jml sweep): --config, and --date, today (UTC) by default.
type datedFlags struct {
	fs           *flag.FlagSet
	config, date *string
}

func newDatedFlags(name, usage, dateUsage string, stderr io.Writer) datedFlags {
	fs := newFlags(name, usage, stderr)
	return datedFlags{fs: fs,
		config: fs.String("config", "", "configuration file (YAML)"),
		date:   fs.String("date", time.Now().UTC().Format(contract.DateLayout), dateUsage)}
}

// connect parses args, checks --date and connects to Temporal; the caller
// closes the session's client.
func (d datedFlags) connect(ctx context.Context, args []string, stderr io.Writer) (*session, error) {
	if err := parse(d.fs, args); err != nil {
		return nil, err
	}
	if _, err := time.Parse(contract.DateLayout, *d.date); err != nil {
		return nil, usagef("--date %q: want YYYY-MM-DD", *d.date)
	}
	return connect(ctx, *d.config, config.NeedNothing, stderr)
}
