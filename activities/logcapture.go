package activities

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// CursorsDir holds each directory's capture cursor, under IdentityLogs/.
const CursorsDir = "cursors"

// captureOverlap is re-read before the cursor on each run: directories
// ingest some events late (Entra's sign-ins can lag by up to two hours),
// and the event-id dedupe makes the re-read free of duplicates.
const captureOverlap = 2 * time.Hour

// logCursor is IdentityLogs/cursors/<directory>.json: the ranges whose
// events are in the month files. It moves only after the events of a
// range are fsynced, so a crash re-reads that range and the dedupe keeps
// nothing twice.
type logCursor struct {
	Directory string               `json:"directory"`
	Covered   []contract.TimeRange `json:"covered"` // sorted, merged
	UpdatedAt time.Time            `json:"updated_at"`
}

func (a *Activities) cursorPath(dir string) string {
	return filepath.Join(a.EvidenceDir, IdentityLogsDir, CursorsDir, dir+".json")
}

func (a *Activities) readCursor(dir string) (logCursor, error) {
	c := logCursor{Directory: dir}
	b, err := os.ReadFile(a.cursorPath(dir))
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, errors.New("capture cursor " + dir + ".json is not valid JSON: fix or remove it (removing re-captures what the directory still holds)")
	}
	return c, nil
}

func (a *Activities) writeCursor(c logCursor) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(a.cursorPath(c.Directory), append(b, '\n'))
}

// addRange merges r into sorted, merged ranges.
func addRange(rs []contract.TimeRange, r contract.TimeRange) []contract.TimeRange {
	if !r.From.Before(r.To) {
		return rs
	}
	out := []contract.TimeRange{}
	for _, x := range rs {
		switch {
		case x.To.Before(r.From) || r.To.Before(x.From):
			out = append(out, x)
		default: // overlapping or touching
			if x.From.Before(r.From) {
				r.From = x.From
			}
			if x.To.After(r.To) {
				r.To = x.To
			}
		}
	}
	out = append(out, r)
	slices.SortFunc(out, func(a, b contract.TimeRange) int { return a.From.Compare(b.From) })
	return out
}

// uncovered is [from, to) minus the covered ranges.
func uncovered(rs []contract.TimeRange, from, to time.Time) []contract.TimeRange {
	var out []contract.TimeRange
	at := from
	for _, x := range rs {
		if !x.To.After(at) || !x.From.Before(to) {
			continue
		}
		if x.From.After(at) {
			out = append(out, contract.TimeRange{From: at, To: x.From})
		}
		at = x.To
	}
	if at.Before(to) {
		out = append(out, contract.TimeRange{From: at, To: to})
	}
	return out
}

// monthOf is "2026-11" of t (UTC).
func monthOf(t time.Time) string { return t.UTC().Format(contract.MonthLayout) }

// CaptureIdentityLog appends the directory's events from its cursor up to
// in.Until to the months' <directory>.jsonl files, a UTC day at a time,
// skipping any event id a file already holds. On first install it starts
// at the retention horizon: as far back as the directory still holds. A
// cursor left behind the horizon resumes at the horizon, and the range in
// between is lost (the month's seal names it).
func (a *Activities) CaptureIdentityLog(ctx context.Context, in contract.CaptureInput) (contract.CaptureResult, error) {
	out := contract.CaptureResult{Directory: in.Directory}
	d, err := a.dir(in.Directory)
	if err != nil {
		return out, err
	}
	if a.EvidenceDir == "" {
		return out, badInput("evidence directory is not configured")
	}
	if in.RetentionDays <= 0 {
		return out, badInput("capture of " + in.Directory + ": retention_days must be positive")
	}
	sl, ok := d.(directory.SignInLogReader)
	if !ok {
		out.NotCollected = in.Directory + " has no sign-in log API"
		return out, nil
	}
	until := in.Until.UTC()
	horizon := until.Add(-time.Duration(in.RetentionDays) * 24 * time.Hour)
	unlock, err := a.lockCursor(in.Directory)
	if err != nil {
		return out, temporalError(err)
	}
	defer unlock()
	cur, err := a.readCursor(in.Directory)
	if err != nil {
		return out, badInput(err.Error())
	}
	start := horizon
	if n := len(cur.Covered); n > 0 {
		last := cur.Covered[n-1].To
		if last.Before(horizon) {
			out.Lost = &contract.TimeRange{From: last, To: horizon}
			a.Logger.Warn().Str("directory", in.Directory).Time("from", last).Time("to", horizon).Msg("identity-log capture resumed past the retention horizon: a range is lost")
		} else {
			start = later(last.Add(-captureOverlap), horizon)
		}
	}
	out.Read = contract.TimeRange{From: start, To: until}
	files := map[string]*monthFile{}
	defer func() {
		for _, f := range files {
			f.f.Close()
		}
	}()
	for day := start; day.Before(until); {
		next := time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, time.UTC)
		end := earlier(next, until)
		mo := monthOf(day)
		mf, ok := files[mo]
		if !ok {
			if mf, err = a.openMonthFile(mo, in.Directory); err != nil {
				return out, temporalError(err)
			}
			files[mo] = mf
			out.Months = append(out.Months, mo)
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		err := sl.SignInEvents(ctx, day, end, func(ev domain.AuditEvent) error {
			key := eventKey(ev)
			if mf.ids[key] {
				out.Duplicate++
				return ctx.Err()
			}
			mf.ids[key] = true
			mf.appended++
			out.Appended++
			return enc.Encode(exportedEvent{Directory: in.Directory, ID: ev.ID, Time: ev.Time.UTC(), Actor: ev.Actor, Action: ev.Action,
				Result: ev.Result, App: ev.App, IP: ev.IP, Raw: ev.Raw})
		})
		if err != nil {
			return out, temporalError(err)
		}
		if _, err := mf.f.Write(buf.Bytes()); err != nil {
			return out, temporalError(err)
		}
		if err := mf.f.Sync(); err != nil {
			return out, temporalError(err)
		}
		cur.Covered = addRange(cur.Covered, contract.TimeRange{From: day, To: end})
		cur.UpdatedAt = time.Now().UTC()
		if err := a.writeCursor(cur); err != nil {
			return out, temporalError(err)
		}
		heartbeat(ctx, out.Appended, end)
		day = end
	}
	// A month sealed before this run caught up (its capture failed then) is
	// sealed again with what arrived, so its manifest matches its file.
	for _, mo := range out.Months {
		if files[mo].sealed && files[mo].appended > 0 {
			if err := a.resealLogMonth(ctx, mo, in.Directory, until); err != nil {
				return out, err
			}
		}
	}
	a.Logger.Info().Str("directory", in.Directory).Int("appended", out.Appended).Int("duplicates", out.Duplicate).Msg("identity log captured")
	return out, nil
}

// eventKey is the dedupe key: the directory's event id, or a hash of the
// event when a directory sends none.
func eventKey(ev domain.AuditEvent) string {
	if ev.ID != "" {
		return ev.ID
	}
	b, _ := json.Marshal([]any{ev.Time.UTC(), ev.Actor, ev.Action, ev.Result, ev.App, ev.IP})
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// monthFile is a month's <directory>.jsonl open for appending, and the
// event keys it holds.
type monthFile struct {
	f        *os.File
	ids      map[string]bool
	sealed   bool // the month has a manifest already
	appended int
}

// openMonthFile opens (creating) the month's file and reads its event
// keys. A torn last line (a crash mid-write) is cut off: its event was
// never covered by the cursor and is read again.
func (a *Activities) openMonthFile(month, dir string) (*monthFile, error) {
	folder, err := a.logFolder(month)
	if err != nil {
		return nil, err
	}
	_, serr := os.Stat(filepath.Join(folder, ManifestFile))
	path := filepath.Join(folder, dir+".jsonl")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, err
	}
	mf := &monthFile{f: f, ids: map[string]bool{}, sealed: serr == nil}
	var good int64
	r := bufio.NewReaderSize(f, 1<<16)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			break // EOF; a partial line has no newline
		}
		good += int64(len(line))
		var ev exportedEvent
		if json.Unmarshal(line, &ev) == nil {
			mf.ids[eventKey(domain.AuditEvent{ID: ev.ID, Time: ev.Time, Actor: ev.Actor, Action: ev.Action, Result: ev.Result, App: ev.App, IP: ev.IP})] = true
		}
	}
	if err := f.Truncate(good); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(good, 0); err != nil {
		f.Close()
		return nil, err
	}
	return mf, nil
}

// lockCursor holds the directory's capture lock (the daily capture and a
// month's seal may catch up at the same time, in one worker or several).
func (a *Activities) lockCursor(dir string) (func(), error) {
	p := a.cursorPath(dir) + ".lock"
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(p, os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
