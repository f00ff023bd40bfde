package config

import (
	"fmt"
	"os"
	"strings"
)

// Secret is a credential read from the environment. It prints, logs and
// marshals as "[redacted]"; call Reveal only where the SDK needs it.
type Secret struct{ v string }

// NewSecret wraps a value (for tests and the dev environment).
func NewSecret(v string) Secret { return Secret{v: v} }

// Reveal returns the secret value.
func (s Secret) Reveal() string { return s.v }

// Set reports whether the secret has a value.
func (s Secret) Set() bool { return s.v != "" }

func (s Secret) String() string {
	if s.v == "" {
		return ""
	}
	return "[redacted]"
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return s.String() }

// MarshalText keeps JSON/YAML dumps from printing the value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Secrets are every credential jml uses, each from an environment variable
// or from the file named by the same variable with a _FILE suffix.
type Secrets struct {
	EntraClientSecret Secret // JML_ENTRA_CLIENT_SECRET
	EntraToken        Secret // JML_ENTRA_TOKEN: a static bearer (emulator, or a token broker)
	OktaToken         Secret // JML_OKTA_TOKEN
	GoogleCredentials Secret // JML_GOOGLE_CREDENTIALS: service-account JSON
	// GoogleCredentialsPath is the file JML_GOOGLE_CREDENTIALS_FILE names
	// (the path is not secret; the SDK reads the file itself).
	GoogleCredentialsPath string
	GoogleToken           Secret            // JML_GOOGLE_TOKEN: a static bearer (emulator)
	SCIMTokens            map[string]Secret // JML_SCIM_<APP>_TOKEN
	SlackBotToken         Secret            // JML_SLACK_BOT_TOKEN
	SlackSigningSecret    Secret            // JML_SLACK_SIGNING_SECRET
	HRWebhookSecret       Secret            // JML_HR_WEBHOOK_SECRET
	BambooHRAPIKey        Secret            // JML_BAMBOOHR_API_KEY
	JumpCloudAPIKey       Secret            // JML_JUMPCLOUD_API_KEY
	TemporalAPIKey        Secret            // TEMPORAL_API_KEY
	CodecServerToken      Secret            // JML_CODEC_SERVER_TOKEN
	ADBindPassword        Secret            // JML_AD_BIND_PASSWORD
}

// SCIMTokenVar is the environment variable holding a SCIM app's token.
func SCIMTokenVar(app string) string {
	return "JML_SCIM_" + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(app)) + "_TOKEN"
}

// readSecret reads NAME, or the file named by NAME_FILE.
func readSecret(getenv func(string) string, name string) (Secret, error) {
	if v := getenv(name); v != "" {
		return Secret{v: v}, nil
	}
	path := getenv(name + "_FILE")
	if path == "" {
		return Secret{}, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		// The path is not secret; the content would be.
		return Secret{}, fmt.Errorf("%s_FILE: cannot read %s: %v", name, path, underlying(err))
	}
	return Secret{v: strings.TrimSpace(string(b))}, nil
}

func underlying(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// LoadSecrets reads every secret the configuration needs from getenv.
func LoadSecrets(c *Config, getenv func(string) string) (Secrets, []error) {
	var errs []error
	s := Secrets{SCIMTokens: map[string]Secret{}}
	read := func(dst *Secret, name string) {
		v, err := readSecret(getenv, name)
		if err != nil {
			errs = append(errs, err)
		}
		*dst = v
	}
	read(&s.EntraClientSecret, "JML_ENTRA_CLIENT_SECRET")
	read(&s.EntraToken, "JML_ENTRA_TOKEN")
	read(&s.OktaToken, "JML_OKTA_TOKEN")
	read(&s.GoogleCredentials, "JML_GOOGLE_CREDENTIALS")
	s.GoogleCredentialsPath = getenv("JML_GOOGLE_CREDENTIALS_FILE")
	read(&s.GoogleToken, "JML_GOOGLE_TOKEN")
	read(&s.SlackBotToken, "JML_SLACK_BOT_TOKEN")
	read(&s.SlackSigningSecret, "JML_SLACK_SIGNING_SECRET")
	read(&s.HRWebhookSecret, "JML_HR_WEBHOOK_SECRET")
	read(&s.BambooHRAPIKey, "JML_BAMBOOHR_API_KEY")
	read(&s.JumpCloudAPIKey, "JML_JUMPCLOUD_API_KEY")
	read(&s.TemporalAPIKey, "TEMPORAL_API_KEY")
	read(&s.CodecServerToken, "JML_CODEC_SERVER_TOKEN")
	read(&s.ADBindPassword, "JML_AD_BIND_PASSWORD")
	for _, app := range c.SCIMApps {
		var v Secret
		read(&v, SCIMTokenVar(app.Name))
		s.SCIMTokens[app.Name] = v
	}
	return s, errs
}

// secretKeyWords mark a YAML key as holding a secret, which the file must not.
var secretKeyWords = []string{"secret", "token", "password", "api_key", "apikey", "private_key", "credential"}

func looksSecret(key string) bool {
	k := strings.ToLower(key)
	for _, w := range secretKeyWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}
