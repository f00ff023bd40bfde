package activities

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// modernClients are Entra's clientAppUsed values of modern authentication;
// every other value (IMAP4, POP3, Authenticated SMTP, Exchange ActiveSync,
// Other clients, MAPI, EWS, ...) is a legacy protocol that cannot do MFA.
var modernClients = []string{"", "browser", "mobile apps and desktop clients"}

// maxLegacyListed bounds the legacy sign-ins the report names one by one.
const maxLegacyListed = 50

// signInScan is what a month's exported sign-ins say about one directory.
type signInScan struct {
	used, signedIn map[string]bool
	legacy         []contract.LegacySignIn
	legacyTotal    int
}

func (s *signInScan) mark(set map[string]bool, keys ...string) {
	for _, k := range keys {
		if k != "" {
			set[strings.ToLower(k)] = true
		}
	}
}

func rawString(m map[string]any, keys ...string) string {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = mm[k]
	}
	s, _ := v.(string)
	return s
}

// scanSignIns reads the month's exported files of a directory
// (<dir>.jsonl, and <dir>-*.jsonl should capture split them). ok is false
// when there is none.
func (a *Activities) scanSignIns(ctx context.Context, month, dir string) (signInScan, bool, error) {
	s := signInScan{used: map[string]bool{}, signedIn: map[string]bool{}}
	folder, err := IdentityLogFolder(a.EvidenceDir, month)
	if err != nil {
		return s, false, badInput(err.Error())
	}
	names, _ := filepath.Glob(filepath.Join(folder, dir+"-*.jsonl"))
	if _, err := os.Stat(filepath.Join(folder, dir+".jsonl")); err == nil {
		names = append(names, filepath.Join(folder, dir+".jsonl"))
	}
	if len(names) == 0 {
		return s, false, nil
	}
	for _, name := range names {
		f, err := os.Open(name)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return s, false, temporalError(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		n := 0
		for sc.Scan() {
			var ev exportedEvent
			if json.Unmarshal(sc.Bytes(), &ev) != nil {
				continue // the manifest's hash speaks for the file; a bad line is not an MFA fact
			}
			s.add(dir, ev)
			if n++; n%5000 == 0 {
				heartbeat(ctx, n)
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return s, false, temporalError(err)
		}
	}
	return s, true, nil
}

// add reads one exported event: who signed in, with MFA or not, and
// through which client (Entra's clientAppUsed, Okta's System Log event
// types, Google's login events).
func (s *signInScan) add(dir string, ev exportedEvent) {
	ok := strings.EqualFold(ev.Result, "success")
	switch {
	case ev.Action == "sign-in": // Entra
		if !ok {
			return
		}
		uid := rawString(ev.Raw, "userId")
		s.mark(s.signedIn, uid, ev.Actor)
		if rawString(ev.Raw, "authenticationRequirement") == "multiFactorAuthentication" {
			s.mark(s.used, uid, ev.Actor)
		}
		if app := rawString(ev.Raw, "clientAppUsed"); !slices.Contains(modernClients, strings.ToLower(app)) {
			s.legacyTotal++
			if len(s.legacy) < maxLegacyListed {
				s.legacy = append(s.legacy, contract.LegacySignIn{Directory: dir, Actor: ev.Actor, ClientApp: app, Time: ev.Time.UTC().Format("2006-01-02T15:04:05Z")})
			}
		}
	case ev.Action == "user.session.start" || ev.Action == "user.authentication.auth_via_mfa": // Okta
		if !ok {
			return
		}
		id := rawString(ev.Raw, "actor", "id")
		s.mark(s.signedIn, id, ev.Actor)
		if ev.Action == "user.authentication.auth_via_mfa" {
			s.mark(s.used, id, ev.Actor)
		}
	case ev.Action == "login_success": // Google
		s.mark(s.signedIn, rawString(ev.Raw, "profileId"), ev.Actor)
	case ev.Action == "login_verification":
		if rawString(ev.Raw, "login_challenge_status") == "Challenge Passed" {
			s.mark(s.used, rawString(ev.Raw, "profileId"), ev.Actor)
		}
	}
}

// ReadPosture reads what the month's MFA lines need besides the people:
// each directory's policies (live) checked against the baseline, the
// exported sign-ins (MFA used, legacy protocols) and the declared service
// accounts' MFA.
func (a *Activities) ReadPosture(ctx context.Context, in contract.ReadPostureInput) (contract.PostureRead, error) {
	out := contract.PostureRead{Policies: map[string][]domain.AuthPolicy{}, UsedMFA: map[string][]string{}, SignedIn: map[string][]string{}}
	if a.EvidenceDir == "" {
		return out, badInput("evidence directory is not configured")
	}
	if _, _, err := contract.MonthRange(in.Month); err != nil {
		return out, badInput(err.Error())
	}
	b := in.Posture.Baseline
	for _, name := range in.Posture.Directories {
		d, err := a.dir(name)
		if err != nil {
			return out, err
		}
		if pr, ok := d.(directory.PostureReader); ok {
			snap, err := pr.PolicySnapshot(ctx)
			if err != nil {
				return out, temporalError(err)
			}
			out.Policies[name] = snap.Policies
			switch name {
			case "entra":
				out.Posture.Controls = append(out.Posture.Controls, b.EvaluateEntra(name, snap.Policies)...)
			case "okta":
				out.Posture.Controls = append(out.Posture.Controls, b.EvaluateOkta(name, snap.Policies)...)
			case "google":
				out.Posture.Controls = append(out.Posture.Controls, b.EvaluateGoogle(name, snap.Policies)...)
			}
		}
		if _, ok := d.(directory.SignInLogReader); ok {
			scan, found, err := a.scanSignIns(ctx, in.Month, name)
			if err != nil {
				return out, err
			}
			if found {
				out.UsedMFA[name] = keys(scan.used)
				out.SignedIn[name] = keys(scan.signedIn)
				out.Posture.Legacy = append(out.Posture.Legacy, scan.legacy...)
				out.Posture.LegacyTotal += scan.legacyTotal
			}
		}
		heartbeat(ctx, name)
	}
	for _, sa := range in.Posture.ServiceAccounts {
		if !slices.Contains(in.Posture.Directories, sa.Directory) {
			continue
		}
		r, err := a.serviceAccountMFA(ctx, sa)
		if err != nil {
			return out, err
		}
		out.Posture.Service = append(out.Posture.Service, r)
	}
	return out, nil
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (a *Activities) serviceAccountMFA(ctx context.Context, sa contract.ServiceAccountRef) (contract.ServiceAccountMFA, error) {
	r := contract.ServiceAccountMFA{Directory: sa.Directory, Account: sa.Account, Owner: sa.Owner}
	d := a.Directories[sa.Directory]
	acct, err := d.FindUser(ctx, "", sa.Account)
	if directory.IsNotFound(err) {
		r.Detail = "no user account of that login: a service principal or app signs in with its credentials, never MFA; keep them short-lived and owned"
		return r, nil
	}
	if err != nil {
		return r, temporalError(err)
	}
	r.Found = true
	mr, ok := d.(directory.MFAReader)
	if !ok {
		r.Detail = sa.Directory + " does not report MFA methods"
		return r, nil
	}
	m, err := mr.MFAStatus(ctx, acct.ID)
	if err != nil {
		return r, temporalError(err)
	}
	r.MFA = m.Enrolled
	switch {
	case m.Enrolled:
		r.Detail = "strong method registered: " + strings.Join(m.Methods, ", ")
	case len(m.Weak) > 0:
		r.Detail = "only weak methods: " + strings.Join(m.Weak, ", ")
	default:
		r.Detail = "no MFA method registered"
	}
	return r, nil
}

// AssessMFA counts a batch of employees' MFA in every directory where they
// have an enabled account: a strong method registered (or only weak ones),
// MFA enforced by the directory's policies or per-user MFA, MFA used in
// the month's exported sign-ins.
func (a *Activities) AssessMFA(ctx context.Context, in contract.AssessMFAInput) (contract.MFAPosture, error) {
	out := contract.MFAPosture{}
	facts := make([]contract.MFADirectory, len(in.Directories))
	used, signed := map[string]map[string]bool{}, map[string]map[string]bool{}
	for i, name := range in.Directories {
		if _, err := a.dir(name); err != nil {
			return out, err
		}
		facts[i].Directory = name
		used[name], signed[name] = set(in.UsedMFA[name]), set(in.SignedIn[name])
		_, hasLog := in.SignedIn[name]
		_, logs := a.Directories[name].(directory.SignInLogReader)
		facts[i].LogMissing = logs && !hasLog
	}
	for _, id := range in.EmployeeIDs {
		heartbeat(ctx, id)
		out.Employees++
		strongAll, enforcedAll, usedAll, any := true, true, true, false
		for i, name := range in.Directories {
			d, f := a.Directories[name], &facts[i]
			acct, err := d.FindUser(ctx, id, "")
			if directory.IsNotFound(err) {
				continue
			}
			if err != nil {
				return out, temporalError(err)
			}
			if !acct.Enabled {
				continue
			}
			any = true
			f.Enabled++
			if mr, ok := d.(directory.MFAReader); ok {
				m, err := mr.MFAStatus(ctx, acct.ID)
				if err != nil {
					return out, temporalError(err)
				}
				switch {
				case m.Enrolled:
					f.Strong++
				case len(m.Weak) > 0:
					f.WeakOnly++
					f.WeakOnlyIDs = append(f.WeakOnlyIDs, id)
					strongAll = false
				default:
					f.None++
					strongAll = false
				}
			} else {
				f.Unknown++
				strongAll = false
			}
			ps, have := in.Policies[name]
			switch enforced, known, err := mfaEnforced(ctx, d, ps, have, acct.ID, f); {
			case err != nil:
				return out, temporalError(err)
			case enforced:
				f.Enforced++
			case known:
				f.NotEnforced = append(f.NotEnforced, id)
				enforcedAll = false
			default:
				f.EnforcementUnknown++
				enforcedAll = false
			}
			k := []string{strings.ToLower(acct.ID), strings.ToLower(acct.Login)}
			if signed[name][k[0]] || signed[name][k[1]] {
				f.SignedIn++
			}
			if used[name][k[0]] || used[name][k[1]] {
				f.Used++
			} else {
				usedAll = false
			}
		}
		if any && strongAll {
			out.StrongInAll++
		}
		if any && enforcedAll {
			out.EnforcedInAll++
		}
		if any && usedAll {
			out.UsedInAll++
		}
	}
	out.Directories = facts
	return out, nil
}

// mfaEnforced says whether the directory enforces MFA for the account,
// and whether it could tell: its policies first (ps, when have), then,
// only for an account no policy covers, the account's per-user MFA (one
// more call per such account), counted in f by mechanism.
func mfaEnforced(ctx context.Context, d directory.Directory, ps []domain.AuthPolicy, have bool, accountID string, f *contract.MFADirectory) (enforced, known bool, err error) {
	if pr, ok := d.(directory.PostureReader); ok && have {
		s, err := pr.PolicySubject(ctx, accountID)
		if err != nil {
			return false, false, err
		}
		if len(domain.MFAEnforcedBy(ps, s)) > 0 {
			return true, true, nil
		}
		known = true
	}
	pu, ok := d.(directory.PerUserMFAReader)
	if !ok {
		return false, known, nil
	}
	state, err := pu.PerUserMFA(ctx, accountID)
	if err != nil {
		return false, false, err
	}
	f.PerUserRead++
	if !domain.PerUserMFARequires(state) {
		return false, known, nil
	}
	f.EnforcedPerUser++
	if state == domain.PerUserMFAEnabled {
		f.PerUserEnabled++
	}
	return true, true, nil
}

func set(l []string) map[string]bool {
	m := make(map[string]bool, len(l))
	for _, s := range l {
		m[s] = true
	}
	return m
}
