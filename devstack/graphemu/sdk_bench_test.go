package graphemu

import (
	"context"
	"net/url"
	"testing"

	absauth "github.com/microsoft/kiota-abstractions-go/authentication"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	msgraphgocore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator/emutest"
)

type benchToken struct{}

func (benchToken) GetAuthorizationToken(context.Context, *url.URL, map[string]any) (string, error) {
	return tok, nil
}

func (benchToken) GetAllowedHostsValidator() *absauth.AllowedHostsValidator {
	v, _ := absauth.NewAllowedHostsValidatorErrorCheck(nil)
	return v
}

// sdkClient is the official SDK pointed at the emulator, as directory-apis.md §1 says:
// base URL set on the adapter before NewGraphServiceClient, default middleware kept.
func sdkClient(tb testing.TB, e *Emulator) *msgraphsdk.GraphServiceClient {
	hc := msgraphgocore.GetDefaultClient(&msgraphgocore.GraphClientOptions{})
	adapter, err := msgraphsdk.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(
		absauth.NewBaseBearerTokenAuthenticationProvider(benchToken{}), nil, nil, hc)
	require.NoError(tb, err)
	adapter.SetBaseUrl(e.URL() + "/v1.0")
	return msgraphsdk.NewGraphServiceClient(adapter)
}

func TestSDKReadsUser(t *testing.T) {
	e := start(t, 0)
	u, _ := e.UserByEmployeeID("E0003")
	got, err := sdkClient(t, e).Users().ByUserId(u.ID).Get(context.Background(), nil)
	require.NoError(t, err)
	require.Equal(t, u.UserPrincipalName, *got.GetUserPrincipalName())
	require.Equal(t, "E0003", *got.GetEmployeeId())
}

// BenchmarkGetUserSDK measures the same read through msgraph-sdk-go with its
// default middleware (client and emulator share the machine).
func BenchmarkGetUserSDK(b *testing.B) {
	e := emutest.Seeded(b, New(Config{Token: tok}), demoorg.Default())
	users := e.Users()
	c := sdkClient(b, e)
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		if _, err := c.Users().ByUserId(users[i%len(users)].ID).Get(ctx, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
