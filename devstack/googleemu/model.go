package googleemu

import "time"

// The wire types below carry the Admin SDK's JSON names, so one struct serves
// both the emulator's state and its answers.

// Name is a user's name.
type Name struct {
	GivenName  string `json:"givenName"`
	FamilyName string `json:"familyName"`
	FullName   string `json:"fullName"`
}

// ExternalID is one externalIds entry; type "organization" holds the employee id.
type ExternalID struct {
	Type       string `json:"type"`
	CustomType string `json:"customType,omitempty"`
	Value      string `json:"value"`
}

// Organization is one organizations entry.
type Organization struct {
	Name       string `json:"name,omitempty"`
	Title      string `json:"title,omitempty"`
	Department string `json:"department,omitempty"`
	CostCenter string `json:"costCenter,omitempty"`
	Location   string `json:"location,omitempty"`
	Type       string `json:"type,omitempty"`
	Primary    bool   `json:"primary,omitempty"`
}

// Relation is one relations entry; type "manager" holds the manager's email.
type Relation struct {
	Type       string `json:"type"`
	CustomType string `json:"customType,omitempty"`
	Value      string `json:"value"`
}

// Location is one locations entry.
type Location struct {
	Type       string `json:"type,omitempty"`
	Area       string `json:"area,omitempty"`
	BuildingID string `json:"buildingId,omitempty"`
	FloorName  string `json:"floorName,omitempty"`
	DeskCode   string `json:"deskCode,omitempty"`
}

// Email is one emails entry.
type Email struct {
	Address string `json:"address"`
	Primary bool   `json:"primary,omitempty"`
}

// User is a Directory user resource (admin#directory#user).
type User struct {
	Kind                       string         `json:"kind"`
	ID                         string         `json:"id"`
	Etag                       string         `json:"etag"`
	PrimaryEmail               string         `json:"primaryEmail"`
	Name                       Name           `json:"name"`
	IsAdmin                    bool           `json:"isAdmin"`
	IsDelegatedAdmin           bool           `json:"isDelegatedAdmin"`
	LastLoginTime              string         `json:"lastLoginTime"`
	CreationTime               string         `json:"creationTime"`
	AgreedToTerms              bool           `json:"agreedToTerms"`
	Suspended                  bool           `json:"suspended"`
	SuspensionReason           string         `json:"suspensionReason,omitempty"`
	Archived                   bool           `json:"archived"`
	ChangePasswordAtNextLogin  bool           `json:"changePasswordAtNextLogin"`
	IPWhitelisted              bool           `json:"ipWhitelisted"`
	Emails                     []Email        `json:"emails,omitempty"`
	ExternalIDs                []ExternalID   `json:"externalIds,omitempty"`
	Relations                  []Relation     `json:"relations,omitempty"`
	Organizations              []Organization `json:"organizations,omitempty"`
	Locations                  []Location     `json:"locations,omitempty"`
	CustomerID                 string         `json:"customerId"`
	OrgUnitPath                string         `json:"orgUnitPath"`
	IsMailboxSetup             bool           `json:"isMailboxSetup"`
	IsEnrolledIn2Sv            bool           `json:"isEnrolledIn2Sv"`
	IsEnforcedIn2Sv            bool           `json:"isEnforcedIn2Sv"`
	IncludeInGlobalAddressList bool           `json:"includeInGlobalAddressList"`
}

// EmployeeID returns the externalIds value of type "organization".
func (u User) EmployeeID() string {
	for _, x := range u.ExternalIDs {
		if x.Type == "organization" {
			return x.Value
		}
	}
	return ""
}

// Manager returns the relations value of type "manager".
func (u User) Manager() string {
	for _, r := range u.Relations {
		if r.Type == "manager" {
			return r.Value
		}
	}
	return ""
}

func (u User) clone() User {
	u.Emails = append([]Email(nil), u.Emails...)
	u.ExternalIDs = append([]ExternalID(nil), u.ExternalIDs...)
	u.Relations = append([]Relation(nil), u.Relations...)
	u.Organizations = append([]Organization(nil), u.Organizations...)
	u.Locations = append([]Location(nil), u.Locations...)
	return u
}

// Group is a Directory group (admin#directory#group).
type Group struct {
	Kind               string `json:"kind"`
	ID                 string `json:"id"`
	Etag               string `json:"etag"`
	Email              string `json:"email"`
	Name               string `json:"name"`
	Description        string `json:"description,omitempty"`
	DirectMembersCount string `json:"directMembersCount"`
	AdminCreated       bool   `json:"adminCreated"`
}

// Member is a group member (admin#directory#member).
type Member struct {
	Kind   string `json:"kind"`
	Etag   string `json:"etag"`
	ID     string `json:"id"`
	Email  string `json:"email"`
	Role   string `json:"role"`
	Type   string `json:"type"`
	Status string `json:"status"`
}

// Role is an admin role (admin#directory#role).
type Role struct {
	Kind             string `json:"kind"`
	Etag             string `json:"etag"`
	RoleID           string `json:"roleId"`
	RoleName         string `json:"roleName"`
	RoleDescription  string `json:"roleDescription,omitempty"`
	IsSystemRole     bool   `json:"isSystemRole"`
	IsSuperAdminRole bool   `json:"isSuperAdminRole"`
}

// RoleAssignment is a role held by a user (admin#directory#roleAssignment).
type RoleAssignment struct {
	Kind             string `json:"kind"`
	Etag             string `json:"etag"`
	RoleAssignmentID string `json:"roleAssignmentId"`
	RoleID           string `json:"roleId"`
	AssignedTo       string `json:"assignedTo"`
	AssigneeType     string `json:"assigneeType"`
	ScopeType        string `json:"scopeType"`
	OrgUnitID        string `json:"orgUnitId,omitempty"`
}

// MobileDevice is a managed mobile device (admin#directory#mobiledevice).
type MobileDevice struct {
	Kind                    string   `json:"kind"`
	Etag                    string   `json:"etag"`
	ResourceID              string   `json:"resourceId"`
	DeviceID                string   `json:"deviceId"`
	Name                    []string `json:"name"`
	Email                   []string `json:"email"`
	Model                   string   `json:"model"`
	OS                      string   `json:"os"`
	Type                    string   `json:"type"`
	Status                  string   `json:"status"`
	DeviceCompromisedStatus string   `json:"deviceCompromisedStatus"`
	EncryptionStatus        string   `json:"encryptionStatus"`
	DevicePasswordStatus    string   `json:"devicePasswordStatus"`
	FirstSync               string   `json:"firstSync"`
	LastSync                string   `json:"lastSync"`
	// Actions is the emulator's record of actions taken (not on the wire).
	Actions []string `json:"-"`
}

// Token is an OAuth token a user granted to an app (admin#directory#token).
type Token struct {
	Kind        string   `json:"kind"`
	Etag        string   `json:"etag"`
	ClientID    string   `json:"clientId"`
	DisplayText string   `json:"displayText"`
	Scopes      []string `json:"scopes"`
	UserKey     string   `json:"userKey"`
	Anonymous   bool     `json:"anonymous"`
	NativeApp   bool     `json:"nativeApp"`
}

// Activity is one Reports API activity (admin#reports#activity).
type Activity struct {
	Kind      string          `json:"kind"`
	ID        ActivityID      `json:"id"`
	Etag      string          `json:"etag"`
	Actor     ActivityActor   `json:"actor"`
	IPAddress string          `json:"ipAddress,omitempty"`
	Events    []ActivityEvent `json:"events"`
	time      time.Time
}

// ActivityID identifies an activity.
type ActivityID struct {
	Time            string `json:"time"`
	UniqueQualifier string `json:"uniqueQualifier"`
	ApplicationName string `json:"applicationName"`
	CustomerID      string `json:"customerId"`
}

// ActivityActor is who acted.
type ActivityActor struct {
	CallerType string `json:"callerType"`
	Email      string `json:"email"`
	ProfileID  string `json:"profileId"`
}

// ActivityEvent is one event of an activity.
type ActivityEvent struct {
	Type       string      `json:"type"`
	Name       string      `json:"name"`
	Parameters []Parameter `json:"parameters,omitempty"`
}

// Parameter is one event parameter.
type Parameter struct {
	Name      string `json:"name"`
	Value     string `json:"value,omitempty"`
	BoolValue *bool  `json:"boolValue,omitempty"`
}

// Time is the activity's time.
func (a Activity) Time() time.Time { return a.time }
