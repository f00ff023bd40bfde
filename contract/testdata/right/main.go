// A workflow and an activity that match their handle: this must build.
package main

import (
	"context"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
)

func disable(ctx workflow.Context) error {
	_, err := contract.DisableAccount.Execute(ctx, "disable · entra", contract.AccountInput{Directory: "entra", AccountID: "a1"})
	return err
}

func impl(context.Context, contract.AccountInput) (contract.StepOutput, error) {
	return contract.StepOutput{}, nil
}

func main() {
	var w worker.Worker
	contract.Register(w, contract.DisableAccount, impl)
	_ = disable
}
