package okta_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jml-dev/jml/devstack/oktaemu"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
	oktadir "github.com/jml-dev/jml/integrations/okta"
)

func (en *env) deactivates(id string) int {
	n := 0
	for _, r := range en.emu.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/users/"+id+"/lifecycle/deactivate") {
			n++
		}
	}
	return n
}

// deactivateBehindClient posts a deactivate as an earlier, timed-out
// attempt of the same activity would have.
func (en *env) deactivateBehindClient(t *testing.T, id string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, en.emu.URL()+"/api/v1/users/"+id+"/lifecycle/deactivate?sendEmail=false", nil)
	req.Header.Set("Authorization", "SSWS "+token)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("deactivate: %v %v", resp, err)
	}
	_ = resp.Body.Close()
}

// Okta's lifecycle calls are asynchronous and its search lags writes: the
// client waits the transition out, reads back by id, and never sends a
// second deactivate.
func TestAsyncLifecycleAndLaggingSearch(t *testing.T) {
	en := setup(t, oktaemu.Config{TransitionTime: 300 * time.Millisecond, SearchLag: time.Hour}, oktadir.Options{})
	ctx := context.Background()

	acct, err := en.c.FindUser(ctx, "E0005", "")
	if err != nil || !acct.Enabled {
		t.Fatalf("find %+v %v", acct, err)
	}
	if o, err := en.c.Disable(ctx, acct.ID); true {
		en.must(t, o, err, domain.Disabled)
	}
	if u, _ := en.emu.User(acct.ID); u.Status != oktaemu.StatusDeprovisioned || u.Transitioning != "" {
		t.Fatalf("Disable returned before the deactivation completed: %s → %q", u.Status, u.Transitioning)
	}
	// search still shows the user ACTIVE; the read-back by id does not
	got, err := en.c.FindUser(ctx, "E0005", "")
	if err != nil || got.Enabled || got.Status != oktaemu.StatusDeprovisioned {
		t.Fatalf("after disable, find says %+v %v", got, err)
	}
	if o, err := en.c.Disable(ctx, acct.ID); true {
		en.must(t, o, err, domain.AlreadyDisabled)
	}
	if n := en.deactivates(acct.ID); n != 1 {
		t.Fatalf("%d deactivates sent, want 1", n)
	}

	// a retried activity finds the earlier attempt's deactivation still
	// running: it waits for it instead of sending another
	other, err := en.c.FindUser(ctx, "E0006", "")
	if err != nil {
		t.Fatal(err)
	}
	en.deactivateBehindClient(t, other.ID)
	if o, err := en.c.Disable(ctx, other.ID); true {
		en.must(t, o, err, domain.AlreadyDisabled)
	}
	if n := en.deactivates(other.ID); n != 1 {
		t.Fatalf("%d deactivates sent, want 1", n)
	}
	revoked, evidence, err := en.c.SessionsRevokedSince(ctx, other.ID, time.Time{})
	if err != nil || !revoked {
		t.Fatalf("sessions: %v %q %v", revoked, evidence, err)
	}

	// activation is asynchronous too
	if o, err := en.c.Enable(ctx, acct.ID); true {
		en.must(t, o, err, domain.Enabled)
	}
	if u, _ := en.emu.User(acct.ID); u.Transitioning != "" || u.Status == oktaemu.StatusDeprovisioned {
		t.Fatalf("Enable returned before the activation completed: %s → %q", u.Status, u.Transitioning)
	}
}

// A transition that outlasts TransitionWait is Transient (Temporal retries
// later), and the retry still sends no second deactivate.
func TestLongTransitionIsTransient(t *testing.T) {
	en := setup(t, oktaemu.Config{TransitionTime: time.Hour}, oktadir.Options{TransitionWait: 300 * time.Millisecond})
	ctx := context.Background()
	acct, err := en.c.FindUser(ctx, "E0007", "")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, err := en.c.Disable(ctx, acct.ID)
		if de := en.wantKind(t, err, directory.KindTransient); de.Code != "transitioning" {
			t.Fatalf("want code transitioning, got %v", err)
		}
	}
	if n := en.deactivates(acct.ID); n != 1 {
		t.Fatalf("%d deactivates sent, want 1", n)
	}
	revoked, _, err := en.c.SessionsRevokedSince(ctx, acct.ID, time.Time{})
	if err != nil || revoked {
		t.Fatalf("mid-transition counted as revoked: %v %v", revoked, err)
	}
}

// RevokeSessions revokes the OAuth tokens too, not only the IdP sessions.
func TestRevokeSessionsRevokesOAuthTokens(t *testing.T) {
	en := setup(t, oktaemu.Config{}, oktadir.Options{})
	ctx := context.Background()
	acct, err := en.c.FindUser(ctx, "E0008", "")
	if err != nil {
		t.Fatal(err)
	}
	if o, err := en.c.RevokeSessions(ctx, acct.ID); true {
		en.must(t, o, err, domain.Revoked)
	}
	if u, _ := en.emu.User(acct.ID); u.SessionsCleared != 1 || u.TokensRevoked != 1 {
		t.Fatalf("sessions cleared %d, token revocations %d", u.SessionsCleared, u.TokensRevoked)
	}
}
