package jml_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.yaml.in/yaml/v3"

	"github.com/jml-dev/jml/contract"
)

// No Docker engine runs here, so the production compose file is checked at
// the YAML level: the services exist and wire together, and no secret is a
// literal.
type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Build       any               `yaml:"build"`
		Command     []string          `yaml:"command"`
		Entrypoint  []string          `yaml:"entrypoint"`
		DependsOn   any               `yaml:"depends_on"`
		Environment map[string]string `yaml:"environment"`
		Ports       []string          `yaml:"ports"`
		Volumes     []string          `yaml:"volumes"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

func TestComposeWiring(t *testing.T) {
	b, err := os.ReadFile("docker-compose.yml")
	require.NoError(t, err)
	var c composeFile
	require.NoError(t, yaml.Unmarshal(b, &c))

	for _, name := range []string{"postgresql", "temporal", "temporal-ui", "jml-worker", "jml-serve"} {
		require.Contains(t, c.Services, name, "service %s", name)
	}
	temporal := c.Services["temporal"]
	assert.Equal(t, "postgresql", temporal.Environment["POSTGRES_SEEDS"], "Temporal stores its state in the postgresql service")
	assert.Contains(t, temporal.Ports, "127.0.0.1:7233:7233")

	ui := c.Services["temporal-ui"]
	assert.Equal(t, "temporal:7233", ui.Environment["TEMPORAL_ADDRESS"], "the UI reaches the frontend by service name")
	assert.Contains(t, ui.Environment["TEMPORAL_CODEC_ENDPOINT"], ":8080/codec", "the UI decodes payloads through jml serve's codec endpoint")

	worker, serve := c.Services["jml-worker"], c.Services["jml-serve"]
	assert.Equal(t, []string{"worker", "--config", "/etc/jml/config.yaml"}, worker.Command)
	assert.Equal(t, []string{"serve", "--config", "/etc/jml/config.yaml"}, serve.Command)
	assert.Equal(t, "temporal:7233", worker.Environment["JML_TEMPORAL_ADDRESS"], "the worker reaches the frontend by service name")
	// serve shares the worker's environment and adds its certificate: the
	// UI forwards the user's token only to an https codec endpoint.
	tlsEnv := map[string]string{"JML_INTAKE_TLS_CERT_FILE": "/etc/jml/tls/tls.crt", "JML_INTAKE_TLS_KEY_FILE": "/etc/jml/tls/tls.key"}
	shared := map[string]string{}
	for k, v := range serve.Environment {
		if _, ok := tlsEnv[k]; ok {
			assert.Equal(t, tlsEnv[k], v, k)
			continue
		}
		shared[k] = v
	}
	assert.Equal(t, worker.Environment, shared, "worker and serve share one environment")
	assert.Len(t, serve.Environment, len(worker.Environment)+len(tlsEnv), "serve sets both TLS files")
	assert.Regexp(t, `^https://`, ui.Environment["TEMPORAL_CODEC_ENDPOINT"], "the UI sends the access token to an https codec endpoint only")
	assert.Contains(t, serve.Volumes, "${JML_INTAKE_TLS_DIR:?set JML_INTAKE_TLS_DIR, a folder with tls.crt and tls.key}:/etc/jml/tls:ro")
	assert.Equal(t, worker.Image, serve.Image)
	assert.Contains(t, serve.Ports, "127.0.0.1:8080:8080")
	assert.Equal(t, "0.0.0.0:8080", serve.Environment["JML_INTAKE_LISTEN"])
	// jml serve exits 2 without these, so compose asks for them up front.
	for _, k := range []string{"JML_HR_WEBHOOK_SECRET", "JML_CODEC_OIDC_ISSUER", "JML_CODEC_KEYS"} {
		assert.Regexp(t, `^\$\{`+k+`:\?`, serve.Environment[k], "%s is required by compose", k)
	}
	for _, v := range worker.Volumes {
		src := strings.SplitN(v, ":", 2)[0]
		if strings.HasPrefix(src, "./") {
			_, err := os.Stat(src)
			assert.NoError(t, err, "mounted file %s exists", src)
		} else {
			assert.Contains(t, c.Volumes, src, "named volume %s is declared", src)
		}
	}

	// The UI signs in with OIDC and forwards the user's access token to the
	// codec endpoint, which checks it against the same issuer (a browser
	// cannot send a static bearer).
	assert.Equal(t, "true", ui.Environment["TEMPORAL_CODEC_PASS_ACCESS_TOKEN"])
	assert.Equal(t, "true", ui.Environment["TEMPORAL_AUTH_ENABLED"])
	assert.Equal(t, serve.Environment["JML_CODEC_OIDC_ISSUER"], ui.Environment["TEMPORAL_AUTH_PROVIDER_URL"], "the UI and the codec endpoint trust one issuer")
	assert.NotEmpty(t, worker.Environment["JML_METRICS_LISTEN"], "the worker serves /metrics")
	assert.Equal(t, strings.Split(ui.Environment["TEMPORAL_CORS_ORIGINS"], ",")[0], serve.Environment["JML_INTAKE_UI_ORIGIN"], "the codec endpoint answers the UI's origin")

	// Versions: the ones make test-cluster runs.
	assert.Equal(t, "temporalio/server:1.29.1", temporal.Image)
	assert.Equal(t, "temporalio/ui:2.42.1", ui.Image)
	assert.Equal(t, "postgres:15", c.Services["postgresql"].Image)

	// The set-up service registers every search attribute jml upserts.
	setup := strings.Join(c.Services["temporal-setup"].Command, "\n")
	assert.Contains(t, setup, "setup-schema")
	for name, typ := range contract.SearchAttributes() {
		kind := map[enumspb.IndexedValueType]string{enumspb.INDEXED_VALUE_TYPE_KEYWORD: "Keyword", enumspb.INDEXED_VALUE_TYPE_BOOL: "Bool", enumspb.INDEXED_VALUE_TYPE_DATETIME: "Datetime"}[typ]
		assert.Contains(t, setup, name+"="+kind, "search attribute %s is created by temporal-setup", name)
	}

	// Every variable that looks like a secret is an ${ENV} reference.
	secretName := regexp.MustCompile(`(?i)(SECRET|TOKEN|PASSWORD|PWD|KEY|CREDENTIALS)`)
	envRef := regexp.MustCompile(`^\$\{[A-Z0-9_]+(:[-?][^}]*)?\}$`)
	for name, svc := range c.Services {
		for k, v := range svc.Environment {
			// a UI switch and a file's path, not credentials
			if secretName.MatchString(k) && k != "TEMPORAL_CODEC_PASS_ACCESS_TOKEN" && k != "JML_INTAKE_TLS_KEY_FILE" {
				assert.Regexp(t, envRef, v, "%s.%s must come from the environment, not a literal", name, k)
			}
		}
	}
}
