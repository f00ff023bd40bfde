package graphemu

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/jml-dev/jml/devstack/emulator"
)

// OnPremises is what Entra Connect writes on a user it syncs from AD.
type OnPremises struct {
	ImmutableID       string // the source anchor: base64 of AD's objectGUID
	SamAccountName    string
	DistinguishedName string
	LastSync          time.Time
}

// onPremisesJSON are the user's on-premises properties as Graph shows them:
// null on a cloud-only user.
type onPremisesJSON struct {
	OnPremisesSyncEnabled       *bool   `json:"onPremisesSyncEnabled"`
	OnPremisesImmutableID       *string `json:"onPremisesImmutableId"`
	OnPremisesSamAccountName    *string `json:"onPremisesSamAccountName"`
	OnPremisesDistinguishedName *string `json:"onPremisesDistinguishedName"`
	OnPremisesLastSyncDateTime  *string `json:"onPremisesLastSyncDateTime"`
}

func onPremisesView(op *OnPremises) onPremisesJSON {
	if op == nil {
		return onPremisesJSON{}
	}
	on, last := true, ts(op.LastSync)
	return onPremisesJSON{&on, &op.ImmutableID, &op.SamAccountName, &op.DistinguishedName, &last}
}

// masteredOnPremises is Graph's answer to a write of an attribute AD masters
// on a synced user (400 Request_BadRequest, this message).
func masteredOnPremises() *apiError {
	return badRequest("Request_BadRequest", "Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.")
}

// refuseMastered refuses a PATCH of a synced user that sends any attribute
// Entra Connect syncs from AD (its default rules: account state, names,
// UPN, mail, employee id and type, department, title, office, company;
// employeeOrgData and the password too, without writeback). Cloud-only
// properties such as usageLocation stay writable, as do licences, cloud
// groups and revokeSignInSessions.
func refuseMastered(u *User, b *userBody) *apiError {
	if u.OnPremises == nil {
		return nil
	}
	sent := []bool{
		b.AccountEnabled != nil, b.DisplayName != nil, b.GivenName != nil, b.Surname != nil,
		b.UserPrincipalName != nil, b.Mail != nil, b.MailNickname != nil, b.EmployeeID != nil,
		b.EmployeeType != nil, b.Department != nil, b.JobTitle != nil, b.OfficeLocation != nil,
		b.CompanyName != nil, b.EmployeeOrgData != nil, b.PasswordProfile != nil,
	}
	for _, s := range sent {
		if s {
			return masteredOnPremises()
		}
	}
	return nil
}

// SourceUser is one user as the on-premises directory holds it, mapped the
// way Entra Connect's default "In from AD - User" rules map it.
type SourceUser struct {
	ImmutableID        string // base64 objectGUID
	SamAccountName     string
	DistinguishedName  string
	UserPrincipalName  string
	DisplayName        string
	GivenName          string
	Surname            string
	Mail               string
	EmployeeID         string
	EmployeeType       string
	Department         string
	JobTitle           string
	OfficeLocation     string
	CompanyName        string
	UsageLocation      string // AD's c, when set
	Enabled            bool   // userAccountControl without ACCOUNTDISABLE
	ManagerImmutableID string // the manager's source anchor, "" for none
}

// SyncSource is where the sync reads AD's state: the real directory over
// LDAP (LDAPSource), or a test's own list.
type SyncSource interface {
	SyncUsers(ctx context.Context) ([]SourceUser, error)
}

// SyncResult counts what one sync cycle did.
type SyncResult struct {
	Read, Created, Matched, Updated int
}

// SyncOnce runs one Entra Connect cycle: each source user is joined to its
// synced user by the source anchor, else soft-matched by userPrincipalName
// (a cloud user becomes synced, as Entra Connect's soft match does), else
// created; AD's values overwrite the synced attributes. Users gone from the
// source are left alone (the emulated scope is the whole domain, and jml
// moves leavers within it).
func (e *Emulator) SyncOnce(ctx context.Context, src SyncSource) (SyncResult, error) {
	in, err := src.SyncUsers(ctx)
	if err != nil {
		return SyncResult{}, err
	}
	res := SyncResult{Read: len(in)}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.nowLocked()
	byAnchor := map[string]*User{}
	for _, u := range e.users {
		if u.OnPremises != nil {
			byAnchor[u.OnPremises.ImmutableID] = u
		}
	}
	joined := make([]*User, len(in))
	for i, s := range in {
		if s.ImmutableID == "" || s.UserPrincipalName == "" {
			continue // Entra Connect exports nothing without an anchor and a UPN
		}
		u := byAnchor[s.ImmutableID]
		switch {
		case u != nil:
		case e.byUPN[strings.ToLower(s.UserPrincipalName)] != "":
			u = e.users[e.byUPN[strings.ToLower(s.UserPrincipalName)]]
			u.OnPremises = &OnPremises{ImmutableID: s.ImmutableID}
			byAnchor[s.ImmutableID] = u
			res.Matched++
		default:
			u = &User{ID: uuid.NewString(), CreatedDateTime: now, HasPassword: true,
				OnPremises: &OnPremises{ImmutableID: s.ImmutableID}, UsageLocation: s.UsageLocation}
			u.UserPrincipalName = s.UserPrincipalName
			e.addUserLocked(u)
			byAnchor[s.ImmutableID] = u
			e.syncAuditLocked("Add user", "Add", u, "")
			res.Created++
		}
		if e.applySourceLocked(u, s) {
			res.Updated++
		}
		u.OnPremises.SamAccountName, u.OnPremises.DistinguishedName, u.OnPremises.LastSync = s.SamAccountName, s.DistinguishedName, now
		joined[i] = u
	}
	for i, s := range in {
		u := joined[i]
		if u == nil {
			continue
		}
		mid := ""
		if m := byAnchor[s.ManagerImmutableID]; m != nil && s.ManagerImmutableID != "" {
			mid = m.ID
		}
		if u.ManagerID != mid {
			u.ManagerID = mid
			e.syncAuditLocked("Set manager", "Assign", u, "")
		}
	}
	return res, nil
}

// applySourceLocked writes AD's values over the synced attributes and says
// whether anything changed.
func (e *Emulator) applySourceLocked(u *User, s SourceUser) bool {
	changed := []string{}
	set := func(name string, dst *string, v string) {
		if *dst != v {
			*dst = v
			changed = append(changed, name)
		}
	}
	oldUPN := strings.ToLower(u.UserPrincipalName)
	set("UserPrincipalName", &u.UserPrincipalName, s.UserPrincipalName)
	if l := strings.ToLower(u.UserPrincipalName); l != oldUPN {
		delete(e.byUPN, oldUPN)
		e.byUPN[l] = u.ID
	}
	set("DisplayName", &u.DisplayName, s.DisplayName)
	set("GivenName", &u.GivenName, s.GivenName)
	set("Surname", &u.Surname, s.Surname)
	set("Mail", &u.Mail, s.Mail)
	nick, _, _ := strings.Cut(s.UserPrincipalName, "@")
	if s.SamAccountName != "" {
		nick = s.SamAccountName
	}
	set("MailNickname", &u.MailNickname, nick)
	set("EmployeeId", &u.EmployeeID, s.EmployeeID)
	set("EmployeeType", &u.EmployeeType, s.EmployeeType)
	set("Department", &u.Department, s.Department)
	set("JobTitle", &u.JobTitle, s.JobTitle)
	set("OfficeLocation", &u.OfficeLocation, s.OfficeLocation)
	set("CompanyName", &u.CompanyName, s.CompanyName)
	if s.UsageLocation != "" { // AD without c leaves the cloud's value
		set("UsageLocation", &u.UsageLocation, s.UsageLocation)
	}
	if u.AccountEnabled != s.Enabled {
		u.AccountEnabled = s.Enabled
		if s.Enabled {
			e.syncAuditLocked("Enable account", "Update", u, "AccountEnabled")
		} else {
			e.syncAuditLocked("Disable account", "Update", u, "AccountEnabled")
		}
		changed = append(changed, "AccountEnabled")
	}
	if len(changed) > 0 && !(len(changed) == 1 && changed[0] == "AccountEnabled") {
		e.syncAuditLocked("Update user", "Update", u, strings.Join(changed, ","))
	}
	return len(changed) > 0
}

func (e *Emulator) syncAuditLocked(activity, op string, u *User, detail string) {
	e.auditLocked("UserManagement", activity, op, u, detail)
	e.audits[len(e.audits)-1].InitiatedBy = "Microsoft Entra Connect"
}

// syncer is Entra Connect's scheduler: a cycle every Interval.
type syncer struct {
	src    SyncSource
	cancel context.CancelFunc
	done   chan struct{}
	last   SyncResult
	err    error
	cycles int
}

// StartSync runs a sync cycle every interval (Entra Connect's is 30
// minutes; a test or the dev stack sets seconds): a change made in AD shows
// in Entra within one interval. Stop it with StopSync (Close does too).
func (e *Emulator) StartSync(src SyncSource, interval time.Duration) {
	e.StopSync()
	ctx, cancel := context.WithCancel(context.Background())
	s := &syncer{src: src, cancel: cancel, done: make(chan struct{})}
	e.mu.Lock()
	e.sync = s
	e.mu.Unlock()
	go func() {
		defer close(s.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				e.runCycle(ctx, s)
			}
		}
	}()
}

func (e *Emulator) runCycle(ctx context.Context, s *syncer) {
	res, err := e.SyncOnce(ctx, s.src)
	e.mu.Lock()
	s.cycles++
	s.last, s.err = res, err
	e.mu.Unlock()
}

// StopSync stops the loop StartSync began (none: nothing).
func (e *Emulator) StopSync() {
	e.mu.Lock()
	s := e.sync
	e.sync = nil
	e.mu.Unlock()
	if s != nil {
		s.cancel()
		<-s.done
	}
}

// SyncStatus says how many cycles ran, the last one's counts and error.
func (e *Emulator) SyncStatus() (cycles int, last SyncResult, err error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.sync == nil {
		return 0, SyncResult{}, nil
	}
	return e.sync.cycles, e.sync.last, e.sync.err
}

// AddSyncedUser puts a user the sync would have brought (tests, seeds).
func (e *Emulator) AddSyncedUser(s SourceUser) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	u := &User{ID: uuid.NewString(), CreatedDateTime: e.nowLocked(), HasPassword: true,
		UserPrincipalName: s.UserPrincipalName, OnPremises: &OnPremises{ImmutableID: s.ImmutableID, LastSync: e.nowLocked()}}
	e.addUserLocked(u)
	e.applySourceLocked(u, s)
	u.OnPremises.SamAccountName, u.OnPremises.DistinguishedName = s.SamAccountName, s.DistinguishedName
	return u.ID
}

// serveSyncNow is POST /__admin/sync: one cycle now, as
// Start-ADSyncSyncCycle -PolicyType Delta does, without waiting the interval.
func (e *Emulator) serveSyncNow(w http.ResponseWriter, r *http.Request) {
	e.mu.RLock()
	s := e.sync
	e.mu.RUnlock()
	if s == nil {
		emulator.WriteJSON(w, http.StatusConflict, map[string]string{"error": "no sync source: the emulator was started without Entra Connect's sync"})
		return
	}
	e.runCycle(r.Context(), s)
	cycles, last, err := e.SyncStatus()
	if err != nil {
		emulator.WriteJSON(w, http.StatusBadGateway, map[string]any{"cycles": cycles, "error": err.Error()})
		return
	}
	emulator.WriteJSON(w, http.StatusOK, map[string]any{"cycles": cycles, "last": last})
}

// Audits returns the directory audit entries, oldest first.
func (e *Emulator) Audits() []Audit {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return append([]Audit(nil), e.audits...)
}

// AddSyncedGroup creates a security group as Entra Connect syncs it from
// AD, with these members (user ids): Graph refuses changes to its members.
func (e *Emulator) AddSyncedGroup(name string, members ...string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	g := &Group{ID: uuid.NewString(), DisplayName: name, OnPremises: true, Members: append([]string(nil), members...)}
	e.groups[g.ID] = g
	e.groupIDs = append(e.groupIDs, g.ID)
	return g.ID
}
