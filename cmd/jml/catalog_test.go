package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCatalogUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	assert.Equal(t, exitUsage, run([]string{"catalog"}, &out, &errOut))
	assert.Contains(t, errOut.String(), "jml catalog report [--html FILE] [--csv FILE]")
	errOut.Reset()
	assert.Equal(t, exitUsage, run([]string{"catalog", "print"}, &out, &errOut))
	assert.Contains(t, errOut.String(), "want a subcommand")
	errOut.Reset()
	assert.Equal(t, exitOK, run([]string{"catalog", "report", "--help"}, &out, &errOut))
	assert.Contains(t, errOut.String(), "Usage: jml catalog report")
	assert.Contains(t, errOut.String(), "-html")
	errOut.Reset()
	assert.Equal(t, exitUsage, run([]string{"catalog", "report"}, &out, &errOut))
	assert.Contains(t, errOut.String(), "--config is required")
	errOut.Reset()
	assert.Equal(t, exitUsage, run([]string{"catalog", "report", "--config", "x.yaml", "extra"}, &out, &errOut))
	assert.Contains(t, errOut.String(), `unexpected argument "extra"`)
}
