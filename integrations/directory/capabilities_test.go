package directory_test

import (
	"slices"
	"testing"

	"github.com/jml-dev/jml/integrations/directory"
	"github.com/jml-dev/jml/integrations/entra"
	"github.com/jml-dev/jml/integrations/google"
	"github.com/jml-dev/jml/integrations/okta"
	"github.com/jml-dev/jml/integrations/scim"
)

// capabilities are the optional interfaces, discovered by type assertion
// exactly as the activities do.
var capabilities = []struct {
	name string
	has  func(directory.Directory) bool
}{
	{"SessionRevoker", is[directory.SessionRevoker]},
	{"SessionChecker", is[directory.SessionChecker]},
	{"ManagerSetter", is[directory.ManagerSetter]},
	{"GroupManager", is[directory.GroupManager]},
	{"LicenseManager", is[directory.LicenseManager]},
	{"AdminRoleManager", is[directory.AdminRoleManager]},
	{"RoleGrantExpirer", is[directory.RoleGrantExpirer]},
	{"DeviceManager", is[directory.DeviceManager]},
	{"MFAReader", is[directory.MFAReader]},
	{"SignInLogReader", is[directory.SignInLogReader]},
	{"UserAppReader", is[directory.UserAppReader]},
	// fewer calls a leaver (fewer_calls.go)
	{"OffboardVerifier", is[directory.OffboardVerifier]},
	{"ListedGroupRemover", is[directory.ListedGroupRemover]},
	{"FoundDisabler", is[directory.FoundDisabler]},
	{"SearchFinder", is[directory.SearchFinder]},
	{"ListedRoleRevoker", is[directory.ListedRoleRevoker]},
	{"ListedLicenseRemover", is[directory.ListedLicenseRemover]},
	{"ListedDeviceRetirer", is[directory.ListedDeviceRetirer]},
	{"LoginDeviceLister", is[directory.LoginDeviceLister]},
}

func is[T any](d directory.Directory) bool { _, ok := d.(T); return ok }

// TestCapabilities lists what each integration can do. A method added to or
// dropped from a client changes what the activities do with that directory
// (a leaver's licenses removed or skipped, a gate checked or failed closed),
// so the list is pinned here.
func TestCapabilities(t *testing.T) {
	all := []string{"SessionRevoker", "SessionChecker", "ManagerSetter", "GroupManager", "LicenseManager",
		"AdminRoleManager", "RoleGrantExpirer", "DeviceManager", "MFAReader", "SignInLogReader"}
	for _, tc := range []struct {
		dir  directory.Directory
		want []string
	}{
		{(*entra.Client)(nil), append(all, "OffboardVerifier", "FoundDisabler", "ListedRoleRevoker", "ListedLicenseRemover", "ListedDeviceRetirer")},
		{(*okta.Client)(nil), []string{"SessionRevoker", "SessionChecker", "ManagerSetter", "GroupManager",
			"AdminRoleManager", "MFAReader", "SignInLogReader", "UserAppReader", "OffboardVerifier", "ListedGroupRemover",
			"FoundDisabler", "SearchFinder", "ListedRoleRevoker"}},
		{(*google.Client)(nil), []string{"SessionRevoker", "SessionChecker", "ManagerSetter", "GroupManager",
			"AdminRoleManager", "DeviceManager", "MFAReader", "SignInLogReader", "OffboardVerifier",
			"FoundDisabler", "ListedRoleRevoker", "ListedDeviceRetirer", "LoginDeviceLister"}},
		{(*scim.Client)(nil), []string{"GroupManager", "FoundDisabler"}},
	} {
		var got []string
		for _, c := range capabilities {
			if c.has(tc.dir) {
				got = append(got, c.name)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%T has %v, want %v", tc.dir, got, tc.want)
		}
	}
	if len(capabilities) != len(all)+9 { // and UserAppReader (Okta's alone) and the eight fewer-calls ones
		t.Fatalf("the test knows %d capabilities, the list %d", len(capabilities), len(all))
	}
}
