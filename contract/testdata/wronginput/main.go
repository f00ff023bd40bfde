// A workflow passing the wrong input to a handle: this must not build.
package main

import (
	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
)

func disable(ctx workflow.Context) error {
	_, err := contract.DisableAccount.Execute(ctx, "disable · entra", contract.LookupAccountInput{Directory: "entra"})
	return err
}

func main() { _ = disable }
