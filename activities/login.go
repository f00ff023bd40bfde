package activities

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// LoginLogPath is the evidence file of allocated logins, one JSON row each.
const LoginLogPath = "Logins/logins.jsonl"

// FindLogin returns the login of an account the employee already has
// (found by employee id, or by the match attribute where a directory can
// search it), else the first candidate address from in.From that no
// enabled directory holds. It reads only; the workflow reserves the
// address (a LoginReservation workflow id) before any account is created.
func (a *Activities) FindLogin(ctx context.Context, in contract.FindLoginInput) (contract.FindLoginOutput, error) {
	if in.From <= 1 {
		for _, name := range in.Directories {
			d, err := a.dir(name)
			if err != nil {
				return contract.FindLoginOutput{}, err
			}
			acct, err := d.FindUser(ctx, in.EmployeeID, "")
			if err != nil && !directory.IsNotFound(err) {
				return contract.FindLoginOutput{}, temporalError(err)
			}
			if err == nil && acct.Login != "" {
				return contract.FindLoginOutput{Address: strings.ToLower(acct.Login), Existing: true}, nil
			}
			if s, ok := d.(directory.AttributeSearcher); ok && in.Policy.MatchAttribute != "" {
				accts, err := s.FindUsersByAttribute(ctx, in.Policy.MatchAttribute, in.EmployeeID)
				if err != nil {
					return contract.FindLoginOutput{}, temporalError(err)
				}
				if len(accts) == 1 && accts[0].Login != "" {
					return contract.FindLoginOutput{Address: strings.ToLower(accts[0].Login), Existing: true}, nil
				}
			}
		}
	}
	base, err := in.Policy.LoginTemplate().Address(in.GivenName, in.FamilyName)
	if err != nil {
		var fe *domain.FieldError
		if errors.As(err, &fe) {
			fe.Record = in.EmployeeID
			return contract.FindLoginOutput{}, badInput(fe.Error())
		}
		return contract.FindLoginOutput{}, badInput(fmt.Sprintf("record %s: %v", in.EmployeeID, err))
	}
	out := contract.FindLoginOutput{}
	for n := max(in.From, 1); n <= contract.MaxLoginCandidates; n++ {
		cand := domain.Candidate(base, n)
		holder := ""
		for _, name := range in.Directories {
			d, err := a.dir(name)
			if err != nil {
				return contract.FindLoginOutput{}, err
			}
			_, err = d.FindUser(ctx, "", cand)
			if err == nil {
				holder = name
				break
			}
			if !directory.IsNotFound(err) {
				return contract.FindLoginOutput{}, temporalError(err)
			}
		}
		if holder == "" {
			out.Address, out.N = cand, n
			a.Logger.Info().Str("employee_id", in.EmployeeID).Int("candidate", n).Int("taken", len(out.Taken)).Msg("login candidate free")
			return out, nil
		}
		out.Taken = append(out.Taken, cand+" ("+holder+")")
		if activity.IsActivity(ctx) {
			heartbeat(ctx, n)
		}
	}
	return out, badInput(fmt.Sprintf("record %s: every login candidate up to suffix %d is taken", in.EmployeeID, contract.MaxLoginCandidates))
}

// MatchAccount looks for the employee's existing account in one directory:
// by employee id, then by email, then by the match attribute. Two distinct
// accounts are ambiguous: a non-retryable error naming both account ids
// (ids only: the alert goes to Slack), so the lane blocks for a person.
func (a *Activities) MatchAccount(ctx context.Context, in contract.MatchAccountInput) (contract.AccountOutput, error) {
	d, err := a.dir(in.Directory)
	if err != nil {
		return contract.AccountOutput{}, err
	}
	type cand struct {
		acct domain.Account
		by   string
	}
	var found []cand
	add := func(acct domain.Account, by string) {
		for _, c := range found {
			if c.acct.ID == acct.ID {
				return
			}
		}
		found = append(found, cand{acct, by})
	}
	lookups := []struct{ id, email, by string }{{in.EmployeeID, "", "employee id"}, {"", in.Email, "email"}}
	for _, l := range lookups {
		if l.id == "" && l.email == "" {
			continue
		}
		acct, err := d.FindUser(ctx, l.id, l.email)
		if directory.IsNotFound(err) {
			continue
		}
		if err != nil {
			return contract.AccountOutput{}, temporalError(err)
		}
		add(acct, l.by)
	}
	if s, ok := d.(directory.AttributeSearcher); ok && in.MatchAttribute != "" && in.EmployeeID != "" {
		accts, err := s.FindUsersByAttribute(ctx, in.MatchAttribute, in.EmployeeID)
		if err != nil {
			return contract.AccountOutput{}, temporalError(err)
		}
		for _, acct := range accts {
			add(acct, in.MatchAttribute)
		}
	}
	switch len(found) {
	case 0:
		return contract.AccountOutput{Directory: in.Directory}, nil
	case 1:
		c := found[0]
		a.log(ctx, in.EmployeeID, in.Directory, "match account").Str("by", c.by).Msg("existing account")
		return contract.AccountOutput{Directory: in.Directory, Found: true, AccountID: c.acct.ID, Enabled: c.acct.Enabled, Outcome: "matched by " + c.by}, nil
	}
	var parts []string
	for _, c := range found {
		parts = append(parts, fmt.Sprintf("%s (by %s)", c.acct.ID, c.by))
	}
	msg := fmt.Sprintf("ambiguous match in %s for employee %s: accounts %s could each be theirs; merge or relabel them, then retry",
		in.Directory, in.EmployeeID, strings.Join(parts, " and "))
	a.Logger.Warn().Str("employee_id", in.EmployeeID).Str("directory", in.Directory).Int("candidates", len(found)).Msg("ambiguous account match")
	return contract.AccountOutput{}, temporal.NewApplicationErrorWithOptions(msg, contract.ErrAmbiguousAccount, temporal.ApplicationErrorOptions{NonRetryable: true})
}

type loginRow struct {
	At         time.Time `json:"at"`
	EmployeeID string    `json:"employee_id"`
	Address    string    `json:"address"`
	Existing   bool      `json:"existing,omitempty"`
	Taken      []string  `json:"taken,omitempty"`
	WorkflowID string    `json:"workflow_id"`
	RunID      string    `json:"run_id"`
}

// RecordLogin appends the allocated login to <evidence>/Logins/logins.jsonl,
// once per joiner run (a retry finds its row).
func (a *Activities) RecordLogin(ctx context.Context, in contract.LoginRecordInput) (contract.Empty, error) {
	if in.WorkflowID == "" && activity.IsActivity(ctx) {
		info := activity.GetInfo(ctx)
		in.WorkflowID, in.RunID = info.WorkflowExecution.ID, info.WorkflowExecution.RunID
	}
	if a.EvidenceDir == "" {
		return contract.Empty{}, badInput("evidence directory is not configured")
	}
	path := filepath.Join(a.EvidenceDir, LoginLogPath)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return contract.Empty{}, err
	}
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var r loginRow
			if json.Unmarshal(sc.Bytes(), &r) == nil && r.WorkflowID == in.WorkflowID && r.RunID == in.RunID {
				f.Close()
				return contract.Empty{}, nil
			}
		}
		f.Close()
	}
	b, err := json.Marshal(loginRow{At: time.Now().UTC(), EmployeeID: in.EmployeeID, Address: in.Address, Existing: in.Existing, Taken: in.Taken, WorkflowID: in.WorkflowID, RunID: in.RunID})
	if err != nil {
		return contract.Empty{}, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return contract.Empty{}, err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return contract.Empty{}, err
	}
	a.Logger.Info().Str("employee_id", in.EmployeeID).Bool("existing", in.Existing).Msg("login recorded")
	return contract.Empty{}, f.Close()
}

// PreviewLogin is the login a joiner would get now, for a plan (the
// hrplan helper's `jml import --plan`): FindLogin's read-only look-ups over
// dirs in order, reserving nothing. Another joiner may still take it
// first; the joiner then gets the next candidate.
func PreviewLogin(ctx context.Context, dirs map[string]directory.Directory, order []string, p contract.LoginPolicy, rec domain.HRRecord) (contract.FindLoginOutput, error) {
	if rec.Email != "" {
		return contract.FindLoginOutput{Address: rec.Email, Existing: true}, nil
	}
	a := &Activities{Directories: dirs}
	return a.FindLogin(ctx, contract.FindLoginInput{EmployeeID: rec.EmployeeID, GivenName: rec.GivenName, FamilyName: rec.FamilyName,
		Policy: p, Directories: order, From: 1})
}
