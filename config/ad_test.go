package config

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// directories.ad turned on in the demo file, with one edit applied.
func adConfig(t *testing.T, edit func(string) string, e map[string]string) error {
	t.Helper()
	b, err := os.ReadFile("demo.yaml")
	require.NoError(t, err)
	s := strings.Replace(string(b), "  ad:\n    enabled: false", "  ad:\n    enabled: true", 1)
	_, err = Parse("demo.yaml", []byte(edit(s)), env(e))
	return err
}

func TestADConfig(t *testing.T) {
	withPW := map[string]string{"JML_AD_BIND_PASSWORD": "pw"}
	for k, v := range demoEnv {
		withPW[k] = v
	}
	same := func(s string) string { return s }
	c, err := Parse("demo.yaml", []byte(strings.Replace(func() string { b, _ := os.ReadFile("demo.yaml"); return string(b) }(), "  ad:\n    enabled: false", "  ad:\n    enabled: true", 1)), env(withPW))
	require.NoError(t, err)
	assert.Contains(t, c.EnabledDirectories(), AD)
	assert.Equal(t, "pw", c.Secrets.ADBindPassword.Reveal())

	cases := []struct {
		name string
		edit func(string) string
		env  map[string]string
		path string
		msg  string
	}{
		{"no password", same, demoEnv, "directories.ad", "JML_AD_BIND_PASSWORD"},
		{"plain ldap", func(s string) string {
			return strings.Replace(s, "url: ldaps://127.0.0.2:636", "url: ldap://127.0.0.2:389", 1)
		}, withPW, "directories.ad.url", "not an ldaps:// URL"},
		{"ou outside base", func(s string) string {
			return strings.Replace(s, "users_ou: OU=Staff,DC=demo,DC=jml,DC=test", "users_ou: OU=Staff,DC=other,DC=test", 1)
		}, withPW, "directories.ad.users_ou", "not under base_dn"},
		{"missing ca", func(s string) string {
			return strings.Replace(s, "break_glass:", "ca_file: /nonexistent/ca.pem\n    break_glass:", 1)
		}, withPW, "directories.ad.ca_file", "cannot read /nonexistent/ca.pem"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := adConfig(t, tc.edit, tc.env)
			var ce *Error
			require.ErrorAs(t, err, &ce)
			require.Len(t, ce.Problems, 1, "%v", ce.Problems)
			assert.Equal(t, tc.path, ce.Problems[0].Path)
			assert.Contains(t, ce.Problems[0].Msg, tc.msg)
			assert.NotContains(t, err.Error(), "pw\"")
		})
	}
}
