package activities

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// ActionPlanPath is Posture/YYYY/MM/action-plan.csv, relative.
func ActionPlanPath(month string) (string, error) {
	from, _, err := contract.MonthRange(month)
	if err != nil {
		return "", err
	}
	return filepath.Join(PostureDir, from.Format("2006"), from.Format("01"), "action-plan.csv"), nil
}

// ActionPlanHeader is the CSV's header, after ScubaGear's ActionPlan.csv.
var ActionPlanHeader = []string{"Control ID", "Directory", "Requirement", "Result", "Reason", "Exceptions"}

// weakMethodControls are the rows no policy can answer: accounts whose
// only registered methods are SMS, voice or email (MS.AAD.3.5 in Entra).
func weakMethodControls(p contract.MFAPosture) []domain.ControlResult {
	ids := map[string]string{"entra": "MS.AAD.3.5", "okta": "OKTA.MFA.2"}
	var out []domain.ControlResult
	for _, d := range p.Directories {
		id, ok := ids[d.Directory]
		if !ok {
			continue
		}
		r := domain.ControlResult{ControlID: id, Directory: d.Directory, Requirement: "SMS, voice and email shall not be the MFA methods in use", Result: domain.ResultPass,
			Reason: fmt.Sprintf("no enabled account relies on SMS, voice or email (%d accounts assessed)", d.Enabled)}
		if d.WeakOnly > 0 {
			r.Result, r.Reason = domain.ResultFail, fmt.Sprintf("%d of %d enabled accounts have only SMS, voice or email registered: %s", d.WeakOnly, d.Enabled, strings.Join(first(d.WeakOnlyIDs, 20), ", "))
		}
		out = append(out, r)
	}
	return out
}

func first(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], fmt.Sprintf("and %d more", len(s)-n))
	}
	return s
}

// WriteActionPlan writes the month's action plan: every baseline control,
// with the weak-method rows, each field escaped against CSV formula
// injection (a policy's display name is anyone's text).
func (a *Activities) WriteActionPlan(_ context.Context, in contract.ActionPlanInput) (contract.ActionPlanResult, error) {
	if a.EvidenceDir == "" {
		return contract.ActionPlanResult{}, badInput("evidence directory is not configured")
	}
	rel, err := ActionPlanPath(in.Month)
	if err != nil {
		return contract.ActionPlanResult{}, badInput(err.Error())
	}
	rows := append(append([]domain.ControlResult{}, in.Posture.Controls...), weakMethodControls(in.Posture)...)
	for i := range rows {
		if rows[i].ControlID == "MS.AAD.1.1" && in.Posture.LegacyTotal > 0 {
			rows[i].Reason += fmt.Sprintf("; %d legacy-protocol sign-ins in the month's exported log", in.Posture.LegacyTotal)
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(ActionPlanHeader)
	for _, r := range rows {
		rec := []string{r.ControlID, r.Directory, r.Requirement, r.Result, r.Reason, strings.Join(r.Exceptions, "; ")}
		for i := range rec {
			rec[i] = EscapeCSVField(rec[i])
		}
		_ = w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return contract.ActionPlanResult{}, temporalError(err)
	}
	path := filepath.Join(a.EvidenceDir, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return contract.ActionPlanResult{}, temporalError(err)
	}
	if err := writeAtomic(path, buf.Bytes()); err != nil {
		return contract.ActionPlanResult{}, temporalError(err)
	}
	sum, err := FileSHA256(path)
	if err != nil {
		return contract.ActionPlanResult{}, temporalError(err)
	}
	if rows == nil {
		rows = []domain.ControlResult{}
	}
	return contract.ActionPlanResult{File: rel, SHA256: sum, Controls: rows}, nil
}
