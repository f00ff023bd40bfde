package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/workers/codec"
)

// devStackFile is what `jml dev` leaves in its state folder while it runs,
// so jml's own commands pointed at it (the same Temporal address) find its
// payload key without being told. It holds addresses, never a secret.
const devStackFile = "dev-stack.json"

// devCodecKeysFile is where `jml dev` keeps the key it generates.
const devCodecKeysFile = "codec-keys"

type devStack struct {
	TemporalAddress string `json:"temporal_address"`
	Namespace       string `json:"namespace"`
	Intake          string `json:"intake"`
	// KeysFile is the payload key file the stack uses ("" when its keys
	// came from JML_CODEC_KEYS: then the commands need them too).
	KeysFile string `json:"keys_file,omitempty"`
	PID      int    `json:"pid"`
}

func writeDevStack(stateDir string, s devStack) (string, error) {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(stateDir, devStackFile)
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return path, nil
}

// devStackKeys returns the payload keys of the jml dev stack whose state
// folder is cfg's dev.state_dir, when it serves the Temporal address cfg
// points at; nil when there is none.
func devStackKeys(cfg *config.Config) (*codec.Keyring, string, error) {
	b, err := os.ReadFile(filepath.Join(cfg.Dev.StateDir, devStackFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	var s devStack
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, "", fmt.Errorf("%s: %w", filepath.Join(cfg.Dev.StateDir, devStackFile), err)
	}
	if s.TemporalAddress != cfg.Temporal.Address || s.Namespace != cfg.Temporal.Namespace || s.KeysFile == "" {
		return nil, "", nil
	}
	keys, err := codec.LoadKeys(func(k string) string {
		if k == codec.EnvKeysFile {
			return s.KeysFile
		}
		return ""
	})
	return keys, s.KeysFile, err
}
