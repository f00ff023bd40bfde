package activities

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// TaskPoster DMs an app owner their task with a Done button and rewrites
// it once done (the worker adapts the Slack client). Nil: Slack off.
type TaskPoster interface {
	PostTask(ctx context.Context, ownerEmail, title string, fields []contract.MessageField, doneValue string) (channel, ts string, err error)
	UpdateTask(ctx context.Context, channel, ts, title string, fields []contract.MessageField, outcome string) error
}

func appTaskTitle(t contract.AppTaskInput) string {
	if t.Action == contract.AppTaskCreate {
		return fmt.Sprintf("jml: please create %s in %s, then press Done", t.Login, t.App)
	}
	return fmt.Sprintf("jml: please remove %s from %s, then press Done", t.Login, t.App)
}

func appTaskFields(id string, t contract.AppTaskInput) []contract.MessageField {
	why := "left the company"
	switch {
	case t.Action == contract.AppTaskCreate:
		why = "joined, and the role catalog grants " + t.App
	case t.Event == domain.EventMover:
		why = "moved to a role without " + t.App
	}
	return []contract.MessageField{
		{Label: "Employee", Value: t.EmployeeID}, {Label: "Why", Value: why},
		{Label: "Deadline", Value: t.Deadline.String()}, {Label: "Task", Value: id},
	}
}

// PostAppTask DMs the owner the task and resolves the Slack ids presses
// are judged by: the owner's and the fallback's, from the work email of
// the HR record jml holds for them (never a directory attribute). With
// Outcome set it rewrites the message without the button. A missing owner
// is an answer (Posted false, Detail), not an error: the workflow alerts.
func (a *Activities) PostAppTask(ctx context.Context, in contract.PostAppTaskInput) (contract.AppTaskMessage, error) {
	t := in.Task
	if in.TaskID == "" || t.App == "" || t.Owner == "" || t.Login == "" {
		return contract.AppTaskMessage{}, badInput("app task: task id, app, owner and login are required")
	}
	if a.Tasks == nil || a.Approvals == nil || a.People == nil {
		a.Logger.Warn().Str("task", in.TaskID).Msg("slack disabled: app task not sent")
		return contract.AppTaskMessage{Detail: "slack disabled"}, nil
	}
	if in.Outcome != "" {
		m := in.Message
		if err := a.Tasks.UpdateTask(ctx, m.Channel, m.TS, appTaskTitle(t), appTaskFields(in.TaskID, t), in.Outcome); err != nil {
			return m, temporalError(err)
		}
		return m, nil
	}
	emailOf := func(employeeID string) (string, error) {
		rec, found, err := a.People.HRRecord(ctx, employeeID)
		if err != nil {
			return "", temporalError(err)
		}
		if !found || rec.Email == "" || rec.Status == domain.HRTerminated {
			return "", nil
		}
		return rec.Email, nil
	}
	slackOf := func(email string) (string, error) {
		if email == "" {
			return "", nil
		}
		id, err := a.Approvals.SlackUserID(ctx, email)
		if directory.IsNotFound(err) {
			return "", nil
		}
		return id, temporalError(err)
	}
	var out contract.AppTaskMessage
	ownerEmail, err := emailOf(t.Owner)
	if err != nil {
		return out, err
	}
	if out.OwnerSlackID, err = slackOf(ownerEmail); err != nil {
		return out, err
	}
	if t.Fallback != "" {
		fe, err := emailOf(t.Fallback)
		if err != nil {
			return out, err
		}
		if out.FallbackSlackID, err = slackOf(fe); err != nil {
			return out, err
		}
	}
	if out.OwnerSlackID == "" {
		out.Detail = "owner " + t.Owner + " is not an active employee with a Slack account jml can match"
		a.Logger.Warn().Str("task", in.TaskID).Str("owner", t.Owner).Msg("app task owner not reachable")
		return out, nil
	}
	ch, ts, err := a.Tasks.PostTask(ctx, ownerEmail, appTaskTitle(t), appTaskFields(in.TaskID, t), in.TaskID+":done")
	if err != nil {
		return contract.AppTaskMessage{}, temporalError(err)
	}
	out.Posted, out.Channel, out.TS = true, ch, ts
	a.Logger.Info().Str("task", in.TaskID).Str("employee_id", t.EmployeeID).Str("app", t.App).Str("owner", t.Owner).Msg("app task sent")
	return out, nil
}

// AppTasksLogHeader is the task evidence file's header; columns are only
// ever appended.
var AppTasksLogHeader = []string{"task_id", "event", "at", "employee_id", "app", "action", "owner", "by", "due_at", "lifecycle", "detail", "run_id", "seq"}

// AppendAppTaskLog writes one line of the task evidence file; a retried
// activity finds its line (task, run, seq) and writes nothing.
func (a *Activities) AppendAppTaskLog(_ context.Context, in contract.AppTaskEvent) (contract.OffboardingLogOutput, error) {
	if in.TaskID == "" || in.RunID == "" || in.Event == "" {
		return contract.OffboardingLogOutput{}, badInput("app task log: task id, run id and event are required")
	}
	if a.EvidenceDir == "" {
		return contract.OffboardingLogOutput{}, badInput("evidence directory is not configured")
	}
	path := filepath.Join(a.EvidenceDir, contract.AppTasksLogPath)
	row := []string{in.TaskID, in.Event, in.At.UTC().Format(time.RFC3339), in.EmployeeID, in.App, in.Action, in.Owner, in.By,
		in.DueAt.UTC().Format(time.RFC3339), in.Lifecycle, in.Detail, in.RunID, strconv.Itoa(in.Seq)}
	appended, err := appendKeyedRow(path, AppTasksLogHeader, row, 0, 11, 12)
	if err != nil {
		return contract.OffboardingLogOutput{}, temporalError(err)
	}
	a.Logger.Info().Str("task", in.TaskID).Str("event", in.Event).Bool("appended", appended).Msg("app task log")
	return contract.OffboardingLogOutput{Path: path, Appended: appended}, nil
}

// ReadAppTasksLog reads the task evidence file (nil when there is none).
func ReadAppTasksLog(evidenceDir string) ([][]string, error) {
	return readEvidenceRows(evidenceDir, contract.AppTasksLogPath)
}

// readEvidenceRows reads one of the appended CSV logs under evidenceDir
// (nil when there is none yet).
func readEvidenceRows(evidenceDir, rel string) ([][]string, error) {
	b, err := os.ReadFile(filepath.Join(evidenceDir, rel))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return readOffboardingRows(bytes.NewReader(b))
}

// appendKeyedRow appends row (escaped against formula injection) unless a
// row with the same values in the key columns is there; the header goes
// in first. Serialised like the offboarding log (mutex and flock), fsynced.
func appendKeyedRow(path string, header, row []string, key ...int) (bool, error) {
	offboardingMu.Lock()
	defer offboardingMu.Unlock()
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return false, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return false, err
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return false, err
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	existing, err := io.ReadAll(f)
	if err != nil {
		return false, err
	}
	rows, err := readOffboardingRows(bytes.NewReader(existing))
	if err != nil {
		return false, fmt.Errorf("%s is not valid CSV: %w", path, err)
	}
	escaped := make([]string, len(row))
	for i, v := range row {
		escaped[i] = EscapeCSVField(v)
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if len(rows) == 0 {
		_ = w.Write(header)
	}
	for _, r := range rows[min(1, len(rows)):] {
		same := true
		for _, k := range key {
			if k >= len(r) || r[k] != escaped[k] {
				same = false
				break
			}
		}
		if same {
			return false, nil
		}
	}
	_ = w.Write(escaped)
	w.Flush()
	if err := w.Error(); err != nil {
		return false, err
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		return false, err
	}
	return true, f.Sync()
}
