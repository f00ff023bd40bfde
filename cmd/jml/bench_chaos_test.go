package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestBenchChaosFlags(t *testing.T) {
	var out, errOut bytes.Buffer
	assert.Equal(t, exitOK, run([]string{"bench", "chaos", "--help"}, &out, &errOut))
	for _, flag := range []string{"Usage: jml bench chaos", "-leavers", "-joiners", "-kills", "-fault-rate", "-seed"} {
		assert.Contains(t, errOut.String(), flag)
	}
	errOut.Reset()
	assert.Equal(t, exitUsage, run([]string{"bench", "chaos", "--fault-rate", "1.5"}, &out, &errOut))
	assert.Contains(t, errOut.String(), "--fault-rate between 0 and 0.9")
	errOut.Reset()
	assert.Equal(t, exitUsage, run([]string{"bench", "chaos", "--leavers", "0", "--joiners", "0"}, &out, &errOut))
	errOut.Reset()
	assert.Equal(t, exitOK, run([]string{"bench", "--help"}, &out, &errOut), "the leaver bench is still there")
	assert.Contains(t, errOut.String(), "Usage: jml bench [flags]")
}
