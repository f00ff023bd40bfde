package demoorg

// Account kinds of the sweep's seeded accounts.
const (
	KindUser    = "user"
	KindService = "service_principal"
	KindGroup   = "group" // a group holding an admin role (Google)
)

// SweepAccount is an account the directories hold outside the HR records:
// what the privilege sweep and the orphan join must find. Directory is
// "entra", "okta", "google", "jumpcloud", or "scim:<app>".
type SweepAccount struct {
	Directory   string
	Kind        string
	Login       string // UPN or login; a service principal's appId
	DisplayName string
	EmployeeID  string   // set for a former employee's account
	AdminRoles  []string // JumpCloud: "sudo" or "passwordless_sudo"
	Enabled     bool
	// SignedInDaysAgo is the last sign-in (0: never signed in).
	SignedInDaysAgo int
}

// Break-glass accounts and the seeded service principal, as the demo
// configuration declares them (config/demo.yaml governance).
const (
	BreakGlass1   = "breakglass1@" + Domain
	BreakGlass2   = "breakglass2@" + Domain
	StandingAdmin = "legacy.admin@" + Domain
	BackupAppID   = "6f1c2a8e-0b7d-4c59-9a3e-5d2f4b1e7c90"
	UnknownAppID  = "b3e8d1f4-2c6a-4e7b-8f9d-1a0c5e3b7d22"
	OrphanOkta    = "old.contractor@" + Domain
	// FormerEmployee left (HR: terminated) but keeps an enabled zoom account.
	FormerEmployee = "E9001"
	// GoogleSuperAdmin is a Google super admin no HR record owns;
	// GoogleAdminGroup a group holding Help Desk Administrator.
	GoogleSuperAdmin = "it.superadmin@" + Domain
	GoogleAdminGroup = "helpdesk-admins@" + Domain
	// JumpCloudSudo is a JumpCloud user with passwordless sudo no HR record
	// owns; JumpCloudOrphan an account with no HR owner.
	JumpCloudSudo   = "build.agent@" + Domain
	JumpCloudOrphan = "temp.vendor@" + Domain
	// OktaAdminGroup is an Okta group holding Help Desk Administrator;
	// OktaServiceClient the client_id of an API service app holding Read
	// Only Administrator, neither declared.
	OktaAdminGroup    = "Okta Helpdesk Admins"
	OktaServiceClient = "0oa5iemexp0rter00001"
)

// SweepAccounts is what the emulators seed for the privilege sweep: a
// standing Global Admin no HR record owns, two break-glass Global Admins,
// a declared service principal and an undeclared one holding roles, an
// orphan Okta account, a former employee's enabled SCIM account, a Google
// super admin and a Google group holding a role outside HR, a JumpCloud
// user with passwordless sudo outside HR, an orphan JumpCloud account, and
// an Okta group and an Okta API service app holding roles.
func SweepAccounts() []SweepAccount {
	return []SweepAccount{
		{Directory: "entra", Kind: KindUser, Login: StandingAdmin, DisplayName: "Legacy Admin", AdminRoles: []string{"Global Administrator"}, Enabled: true, SignedInDaysAgo: 40},
		{Directory: "entra", Kind: KindUser, Login: BreakGlass1, DisplayName: "Break Glass 1", AdminRoles: []string{"Global Administrator"}, Enabled: true, SignedInDaysAgo: 120},
		{Directory: "entra", Kind: KindUser, Login: BreakGlass2, DisplayName: "Break Glass 2", AdminRoles: []string{"Global Administrator"}, Enabled: true},
		{Directory: "entra", Kind: KindService, Login: BackupAppID, DisplayName: "Backup Connector", AdminRoles: []string{"Exchange Administrator"}, Enabled: true},
		{Directory: "entra", Kind: KindService, Login: UnknownAppID, DisplayName: "Reporting Sync", AdminRoles: []string{"Global Reader"}, Enabled: true},
		{Directory: "okta", Kind: KindUser, Login: OrphanOkta, DisplayName: "Old Contractor", Enabled: true},
		{Directory: "scim:zoom", Kind: KindUser, Login: "pat.former9001@" + Domain, DisplayName: "Pat Former", EmployeeID: FormerEmployee, Enabled: true},
		{Directory: "google", Kind: KindUser, Login: GoogleSuperAdmin, DisplayName: "IT Superadmin", AdminRoles: []string{"Super Admin"}, Enabled: true, SignedInDaysAgo: 3},
		{Directory: "google", Kind: KindGroup, Login: GoogleAdminGroup, DisplayName: "Helpdesk Admins", AdminRoles: []string{"Help Desk Administrator"}, Enabled: true},
		{Directory: "jumpcloud", Kind: KindUser, Login: JumpCloudSudo, DisplayName: "Build Agent", AdminRoles: []string{"passwordless_sudo"}, Enabled: true},
		{Directory: "jumpcloud", Kind: KindUser, Login: JumpCloudOrphan, DisplayName: "Temp Vendor", Enabled: true},
		{Directory: "okta", Kind: KindGroup, Login: OktaAdminGroup, DisplayName: OktaAdminGroup, AdminRoles: []string{"Help Desk Administrator"}, Enabled: true},
		{Directory: "okta", Kind: KindService, Login: OktaServiceClient, DisplayName: "SIEM Exporter", AdminRoles: []string{"READ_ONLY_ADMIN"}, Enabled: true},
	}
}

// FormerRecord is the HR record of the former employee: terminated a month
// before the demo started.
func FormerRecord() Record {
	return Record{Source: "demo", EmployeeID: FormerEmployee, Email: "pat.former9001@" + Domain, GivenName: "Pat", FamilyName: "Former",
		Department: "Sales", Title: "Account Executive", Location: "New York", Country: "US", Timezone: "America/New_York",
		CostCenter: "CC-101", EmploymentType: "full_time", Status: "terminated", StartDate: "2024-01-08", ManagerEmployeeID: EmployeeID(2)}
}
