package contract

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseSweepButton(t *testing.T) {
	cases := []struct {
		action, value, wf, decision string
		ok                          bool
	}{
		{"sweep-keep", "sweep/orphan/ab12|keep", "sweep/orphan/ab12", "keep", true},
		{"sweep-disable", "sweep/orphan/ab12|disable", "sweep/orphan/ab12", "disable", true},
		{"sweep-acknowledge", "sweep/unknown/cd|acknowledge", "sweep/unknown/cd", "acknowledge", true},
		{"sweep-remove", "sweep/unknown/cd|remove", "sweep/unknown/cd", "remove", true},
		{"sweep-keep", "sweep/orphan/ab12|disable", "", "", false},  // action id and value disagree
		{"sweep-remove", "sweep/orphan/ab12|remove", "", "", false}, // an orphan takes no remove
		{"sweep-keep", "sweep/unknown/cd|keep", "", "", false},      // an unknown admin takes no keep
		{"sweep-keep", "sweep/standing/ab|keep", "", "", false},     // a standing admin has no buttons
		{"sweep-keep", "employee/E0001|keep", "", "", false},        // not a sweep child
		{"sweep-keep", "sweep/orphan/|keep", "", "", false},         // no key
		{"sweep-keep", "sweep/orphan/a b|keep", "", "", false},      // not an opaque key
		{"sweep-keep", "sweep/orphan/ab/extra|keep", "", "", false}, // too deep
		{"sweep-keep", "sweep/orphan/ab12", "", "", false},          // no decision
		{"sweep-keep|x", "sweep/orphan/ab12|keep|x", "", "", false}, // extra field
	}
	for _, tc := range cases {
		wf, d, err := ParseSweepButton(tc.action, tc.value)
		if !tc.ok {
			assert.Error(t, err, tc.value)
			continue
		}
		assert.NoError(t, err, tc.value)
		assert.Equal(t, tc.wf, wf)
		assert.Equal(t, tc.decision, d)
		assert.Equal(t, tc.value, SweepButtonValue(wf, d), "round trip")
	}
}
