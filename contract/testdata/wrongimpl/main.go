// An implementation whose output does not match its handle: this must not build.
package main

import (
	"context"

	"go.temporal.io/sdk/worker"

	"github.com/jml-dev/jml/contract"
)

func impl(context.Context, contract.AccountInput) (contract.VerifyOutput, error) {
	return contract.VerifyOutput{}, nil
}

func main() {
	var w worker.Worker
	contract.Register(w, contract.DisableAccount, impl)
}
