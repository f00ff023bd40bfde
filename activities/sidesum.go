package activities

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// writeWithSum writes b to path atomically and its SHA-256 beside it,
// path.sha256 in sha256sum's format (so `sha256sum -c` checks it), and
// returns the hex sum: the policy snapshots' and sweep results' seal.
func writeWithSum(path string, b []byte) (string, error) {
	if err := writeAtomic(path, b); err != nil {
		return "", err
	}
	s := sha256.Sum256(b)
	sum := hex.EncodeToString(s[:])
	return sum, writeAtomic(path+".sha256", []byte(sum+"  "+filepath.Base(path)+"\n"))
}

// sumTampered reports whether path no longer matches its .sha256, or the
// side file is gone or holds no sum. A side file that cannot be read
// otherwise says nothing either way.
func sumTampered(path string) bool {
	want, err := os.ReadFile(path + ".sha256")
	if err != nil {
		return errors.Is(err, os.ErrNotExist)
	}
	sum, _ := FileSHA256(path)
	f := strings.Fields(string(want))
	return len(f) == 0 || f[0] != sum
}
