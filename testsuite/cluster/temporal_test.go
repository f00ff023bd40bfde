//go:build cluster

package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/jml-dev/jml/contract"
)

// serverConfig is config/development-postgres12.yaml of the server's
// module on this test's ports and database.
const serverConfig = `log:
  stdout: true
  level: warn
persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: 4
  datastores:
    postgres-default:
      sql: {pluginName: postgres12, databaseName: temporal, connectAddr: "127.0.0.1:%[1]d", connectProtocol: tcp, user: temporal, password: "%[2]s", maxConns: 20, maxIdleConns: 20, maxConnLifetime: 1h}
    postgres-visibility:
      sql: {pluginName: postgres12, databaseName: temporal_visibility, connectAddr: "127.0.0.1:%[1]d", connectProtocol: tcp, user: temporal, password: "%[2]s", maxConns: 10, maxIdleConns: 10, maxConnLifetime: 1h}
global:
  membership: {maxJoinDuration: 30s, broadcastAddress: 127.0.0.1}
services:
  frontend: {rpc: {grpcPort: %[3]d, membershipPort: %[4]d, bindOnLocalHost: true, httpPort: %[5]d}}
  matching: {rpc: {grpcPort: %[6]d, membershipPort: %[7]d, bindOnLocalHost: true}}
  history: {rpc: {grpcPort: %[8]d, membershipPort: %[9]d, bindOnLocalHost: true}}
  worker: {rpc: {grpcPort: %[10]d, membershipPort: %[11]d, bindOnLocalHost: true}}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active: {enabled: true, initialFailoverVersion: 1, rpcName: frontend, rpcAddress: "127.0.0.1:%[3]d"}
dcRedirectionPolicy: {policy: noop}
dynamicConfigClient:
  filepath: config/dynamicconfig.yaml
  pollInterval: 10s
`

// dynamicConfig: search attributes are usable as soon as they are added.
const dynamicConfig = `system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
frontend.enableUpdateWorkflowExecution:
  - value: true
`

type temporalServer struct {
	proc     *process
	frontend string
}

func startTemporal(t *testing.T, bin, dir string, pg *postgres) *temporalServer {
	root := filepath.Join(dir, "temporal")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "config"), 0o755))
	ports := make([]any, 0, 11)
	ports = append(ports, pg.port, pg.password)
	for range 9 {
		ports = append(ports, lowPort(t))
	}
	require.NoError(t, os.WriteFile(filepath.Join(root, "config", "cluster.yaml"), []byte(fmt.Sprintf(serverConfig, ports...)), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(root, "config", "dynamicconfig.yaml"), []byte(dynamicConfig), 0o600))
	p := start(t, root, "temporal-server", os.Environ(), bin, "--root", root, "--config", "config", "--env", "cluster", "--allow-no-auth", "start")
	fe := fmt.Sprintf("127.0.0.1:%d", ports[2])
	waitTCP(t, p, fe, 90*time.Second)
	return &temporalServer{proc: p, frontend: fe}
}

// setupNamespace registers the namespace and jml's search attributes (what
// compose's set-up service does with the temporal CLI), then waits until a
// workflow can be listed in it.
func setupNamespace(t *testing.T, fe, ns string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var nc client.NamespaceClient
	var err error
	for ctx.Err() == nil {
		if nc, err = client.NewNamespaceClient(client.Options{HostPort: fe}); err == nil {
			break
		}
		time.Sleep(time.Second)
	}
	require.NoError(t, err)
	defer nc.Close()
	for ctx.Err() == nil {
		err = nc.Register(ctx, &workflowservice.RegisterNamespaceRequest{Namespace: ns, WorkflowExecutionRetentionPeriod: durationpb.New(72 * time.Hour)})
		if err == nil || isAlreadyExists(err) {
			break
		}
		time.Sleep(time.Second)
	}
	require.NoError(t, ignoreExists(err), "register namespace %s", ns)
	c, err := client.Dial(client.Options{HostPort: fe, Namespace: ns})
	require.NoError(t, err)
	defer c.Close()
	for ctx.Err() == nil {
		_, err = c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{Namespace: ns, SearchAttributes: contract.SearchAttributes()})
		if err == nil || isAlreadyExists(err) {
			break
		}
		time.Sleep(time.Second)
	}
	require.NoError(t, ignoreExists(err), "add search attributes")
	for ctx.Err() == nil {
		if _, err = c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: ns, Query: `EmployeeID = "probe"`}); err == nil {
			return
		}
		time.Sleep(time.Second)
	}
	require.NoError(t, err, "namespace %s ready", ns)
}

func isAlreadyExists(err error) bool {
	var ae *serviceerror.AlreadyExists
	var ne *serviceerror.NamespaceAlreadyExists
	return errors.As(err, &ae) || errors.As(err, &ne) || (err != nil && strings.Contains(err.Error(), "already"))
}

func ignoreExists(err error) error {
	if isAlreadyExists(err) {
		return nil
	}
	return err
}
