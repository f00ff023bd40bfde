package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/activities"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/samba"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/starters/evidence"
	"github.com/jml-dev/jml/testsuite/harness"
)

// adUser reads an employee's account from the Env's real AD, with its
// group names (direct memberships), or ok=false.
type adAccount struct {
	DN, Description, Manager string
	UAC, PwdLastSet          string
	Groups                   []string
}

func adUser(t *testing.T, e *harness.Env, employeeID string) (adAccount, bool) {
	t.Helper()
	c, err := e.AD.Dial()
	require.NoError(t, err)
	defer c.Close()
	res, err := c.Search(ldap.NewSearchRequest(samba.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		"(&(objectClass=user)(employeeID="+ldap.EscapeFilter(employeeID)+"))",
		[]string{"description", "manager", "userAccountControl", "pwdLastSet", "memberOf"}, nil))
	require.NoError(t, err)
	if len(res.Entries) != 1 {
		return adAccount{}, false
	}
	en := res.Entries[0]
	a := adAccount{DN: en.DN, Description: en.GetAttributeValue("description"), Manager: en.GetAttributeValue("manager"),
		UAC: en.GetAttributeValue("userAccountControl"), PwdLastSet: en.GetAttributeValue("pwdLastSet")}
	for _, g := range en.GetAttributeValues("memberOf") {
		dn, _ := ldap.ParseDN(g)
		a.Groups = append(a.Groups, dn.RDNs[0].Attributes[0].Value)
	}
	slices.Sort(a.Groups)
	return a, true
}

// A joiner, a mover and a leaver through a real Samba AD DC, alongside the
// other directories: created in the users OU with its catalog groups and
// its manager's DN, must change the password at first logon; moved between
// department groups; disabled, stripped of its groups, moved to the
// disabled OU with jml's note naming the workflow, and logged.
func TestADJoinerMoverLeaver(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{AD: true})
	rec := e.Org.Joiners[0]
	rec.Department, rec.Title = "Engineering", "SRE"
	rec.StartDate = time.Now().In(rec.TimeZone()).AddDate(0, 0, -1).Format(time.DateOnly)
	manager := e.Org.Employees[0]
	rec.ManagerEmployeeID = manager.EmployeeID
	sendHR(t, e, manager.Record)
	sendHR(t, e, rec)
	var a adAccount
	eventually(t, e, rec.EmployeeID, "joiner in AD", func() (bool, string) {
		var ok bool
		a, ok = adUser(t, e, rec.EmployeeID)
		return ok && a.UAC == "512" && slices.Equal(a.Groups, []string{"all-staff", "dept-engineering"}) && a.Manager != "",
			fmt.Sprintf("%+v", a)
	})
	assert.True(t, strings.HasSuffix(a.DN, ","+samba.UsersOU), a.DN)
	assert.Equal(t, "0", a.PwdLastSet, "must change the password at next logon")
	assert.True(t, strings.EqualFold(e.ADSeed.DN[manager.EmployeeID], a.Manager), "manager DN %s", a.Manager)

	move := rec
	move.Department, move.Title = "Sales", "Account Executive"
	sendHR(t, e, move)
	eventually(t, e, rec.EmployeeID, "mover in AD", func() (bool, string) {
		a, _ = adUser(t, e, rec.EmployeeID)
		return slices.Equal(a.Groups, []string{"all-staff", "dept-sales"}), fmt.Sprint(a.Groups)
	})

	leave := move
	leave.Status = domain.HRTerminated
	leave.TerminationEffectiveAt = time.Now().UTC().Truncate(time.Second)
	sendHR(t, e, leave)
	logPath := filepath.Join(e.Config.Evidence.Dir, "Governance", "Offboarding_Log.csv")
	eventually(t, e, rec.EmployeeID, "leaver in AD and logged", func() (bool, string) {
		a, _ = adUser(t, e, rec.EmployeeID)
		b, _ := os.ReadFile(logPath)
		return a.UAC == "514" && len(a.Groups) == 0 && strings.HasSuffix(a.DN, ","+samba.DisabledOU) && strings.Contains(string(b), "ad="),
			fmt.Sprintf("%+v", a)
	})
	assert.Regexp(t, `^Disabled by jml on \d{4}-\d{2}-\d{2}, workflow employee/`+rec.EmployeeID+`/`, a.Description)
	assert.NotContains(t, a.Description, rec.Email)
	b, _ := os.ReadFile(logPath)
	assert.Contains(t, string(b), "ad=", "the AD lane is in the offboarding log")
	assert.Regexp(t, `ad=\w+ \(verified\)`, string(b), "the scramble and the disable were read back")
}

// A JIT Domain Admins elevation in the real AD: the manager approves in
// Slack, the requester is a member of Domain Admins, and the durable
// timer removes the membership when the duration ends, read back.
func TestADDomainAdminsElevation(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{AD: true})
	ctx := context.Background()
	who := elevationRequester(t, e)
	mgr := byID(t, e, who.ManagerEmployeeID)
	isDA := func() bool {
		a, _ := adUser(t, e, who.EmployeeID)
		return slices.Contains(a.Groups, "Domain Admins")
	}
	require.False(t, isDA(), "no standing Domain Admins before")
	for _, emp := range []string{who.EmployeeID, mgr.EmployeeID} {
		sendHR(t, e, byID(t, e, emp).Record)
		eventually(t, e, emp, "HR record accepted", func() (bool, string) {
			st, err := employeeState(e, emp)
			return err == nil && st.Record != nil, fmt.Sprint(err)
		})
	}
	status, body, err := e.Emulators.Slack.SlashCommand(ctx, who.Email, "/elevate", samba.ElevationRole+" 75s fix a GPO")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, body)
	m := regexp.MustCompile(`request ([0-9a-f-]{36})`).FindStringSubmatch(body)
	require.NotNil(t, m, body)
	wid := contract.ElevationWorkflowID(m[1])
	approval := approvalTo(t, e, who.EmployeeID, mgr.Email, m[1])
	status, body, err = e.Emulators.Slack.Press(ctx, approval.TS, "approve", "")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "Recorded: approve")
	eventually(t, e, who.EmployeeID, "Domain Admins in AD", func() (bool, string) { return isDA(), "not a member yet" })
	st := elevationState(t, e, wid)
	assert.Equal(t, "ad", st.Directory)

	// The KPI report, read from AD while the elevation is active: the
	// requester is elevated, not permanent; the break-glass accounts are
	// excluded; the seeded standing Domain Admin and the built-in
	// Administrator (the demo binds as it) are the permanent ones.
	var ids []string
	for _, emp := range e.Org.Employees {
		ids = append(ids, emp.EmployeeID)
	}
	res, err := evidence.RunNow(ctx, e.Client, e.Config, time.Now().UTC().Format("2006-01"), evidence.KindKPI, ids)
	require.NoError(t, err)
	var rep activities.KPIReport
	b, err := os.ReadFile(res.KPI.JSON)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &rep))
	require.NotNil(t, rep.Facts.Privileged)
	require.Len(t, rep.Facts.Privileged.Directories, 1)
	pd := rep.Facts.Privileged.Directories[0]
	assert.Equal(t, "ad", pd.Directory)
	assert.Equal(t, 2, pd.BreakGlass)
	assert.Equal(t, 1, pd.Elevated, "the JIT Domain Admin")
	var das []string
	for _, h := range pd.Permanent {
		if h.Group == "Domain Admins" {
			das = append(das, h.Account)
		}
	}
	slices.Sort(das)
	assert.Equal(t, []string{"Administrator", e.ADSeed.SAM[e.ADSeed.StandingAdmins[0]]}, das)
	var line activities.KPI
	for _, k := range rep.KPIs {
		if k.ID == activities.KPIPermanentPrivileged {
			line = k
		}
	}
	assert.Equal(t, "2 permanent Domain Admins; 2 accounts with a permanent privileged group", line.Value)

	// No revoke from anyone: the timer ends it.
	var final contract.ElevationState
	wctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	require.NoError(t, e.Client.GetWorkflow(wctx, wid, "").Get(wctx, &final))
	assert.Equal(t, domain.ElevationRevoked, final.Status, "ended at expiry")
	assert.True(t, final.RevokeVerified)
	assert.False(t, isDA(), "Domain Admins membership gone after the timer")
}
