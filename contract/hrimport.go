package contract

import "time"

// HRImportWorkflowName is the scheduled import of one HR source.
const HRImportWorkflowName = "HRImport"

// HRImportWorkflowID is the id of a source's scheduled run (the schedule
// appends the time); a source name is configuration, never PII.
func HRImportWorkflowID(source string) string { return "hrimport/" + source }

// HRImportInput names the source; the worker's configuration says where
// its files are and how to read them. Rows never travel in payloads.
type HRImportInput struct {
	Source          string `json:"source"`
	SecurityChannel string `json:"security_channel,omitempty"`
}

// HRImportCounts: Delivered + Unchanged + Quarantined = Rows.
type HRImportCounts struct {
	Rows        int `json:"rows"`
	Delivered   int `json:"delivered"`
	Unchanged   int `json:"unchanged"`
	Quarantined int `json:"quarantined"`
	Missing     int `json:"missing"` // in the last snapshot, not in this file
}

// HRImportDiffInput asks for the diff of the source's newest file.
type HRImportDiffInput struct {
	Source string `json:"source"`
	Run    string `json:"run"` // the workflow's run id: names the staging and report files
}

// HRImportDiffOutput describes the staged diff: the changed rows stay in a
// file the activities read (Staged), never in the workflow's history.
type HRImportDiffOutput struct {
	File    string         `json:"file"` // the export's base name
	SHA256  string         `json:"sha256"`
	ModTime time.Time      `json:"mod_time"`
	Counts  HRImportCounts `json:"counts"`
	// Refused is why nothing is applied (older than the last accepted
	// file, empty, too many people missing); empty when accepted.
	Refused string `json:"refused,omitempty"`
	Chunks  int    `json:"chunks"` // of HRImportChunkSize changed rows
	Staged  string `json:"staged,omitempty"`
}

// HRImportChunkSize is how many changed rows one delivery activity sends.
const HRImportChunkSize = 500

// HRImportDeliverInput delivers one chunk of a staged diff. A row Temporal
// did not take fails the activity, which is retried (a repeated record is a
// no-op for its Employee workflow); the snapshot only moves on at commit.
type HRImportDeliverInput struct {
	Staged string `json:"staged"`
	Chunk  int    `json:"chunk"`
}

// HRImportDeliverOutput counts one chunk's signals.
type HRImportDeliverOutput struct {
	Signalled int `json:"signalled"`
}

// HRImportCommitInput closes a run: on acceptance the staged file becomes
// the last accepted snapshot; either way the run report is written.
type HRImportCommitInput struct {
	Source    string             `json:"source"`
	Run       string             `json:"run"`
	Diff      HRImportDiffOutput `json:"diff"`
	Signalled int                `json:"signalled"`
	Alerted   bool               `json:"alerted"`
}

// HRImportResult is the run's outcome (also in the report).
type HRImportResult struct {
	Source    string         `json:"source"`
	File      string         `json:"file,omitempty"`
	Counts    HRImportCounts `json:"counts"`
	Signalled int            `json:"signalled"`
	Refused   string         `json:"refused,omitempty"`
	Report    string         `json:"report"`
}

// HR import activities: files are read by activities only.
var (
	DiffHRImport    = Activity[HRImportDiffInput, HRImportDiffOutput]{Name: "DiffHRImport", Options: EvidenceOptions}
	DeliverHRImport = Activity[HRImportDeliverInput, HRImportDeliverOutput]{Name: "DeliverHRImport", Options: EvidenceOptions}
	CommitHRImport  = Activity[HRImportCommitInput, HRImportResult]{Name: "CommitHRImport", Options: EvidenceOptions}
)
