package contract_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestHandlesAreTypeChecked builds three tiny programs: one whose workflow
// and implementation match the handle (it must build), one passing a
// workflow the wrong input and one registering an implementation with the
// wrong output (neither may build, and the compiler must say why).
func TestHandlesAreTypeChecked(t *testing.T) {
	build := func(dir string) (string, error) {
		out, err := exec.Command("go", "build", "-o", t.TempDir()+"/bin", "./testdata/"+dir).CombinedOutput()
		return string(out), err
	}
	if out, err := build("right"); err != nil {
		t.Fatalf("the matching program must build: %v\n%s", err, out)
	}
	for dir, want := range map[string]string{
		"wronginput": "cannot use contract.LookupAccountInput",
		"wrongimpl":  "does not match inferred type",
	} {
		out, err := build(dir)
		if err == nil {
			t.Errorf("%s built, but it must not", dir)
			continue
		}
		if !strings.Contains(out, want) {
			t.Errorf("%s: the compiler did not say %q:\n%s", dir, want, out)
		}
	}
}
