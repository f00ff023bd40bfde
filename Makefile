# jml: the two commands are `make run` and `make test`.
GO            ?= go
BIN           := $(CURDIR)/.bin
TEMPORAL      := $(BIN)/temporal
WORKFLOWCHECK := $(BIN)/workflowcheck
STATICCHECK   := $(BIN)/staticcheck
TEMPORAL_CLI_VERSION := v1.5.1
WORKFLOWCHECK_VERSION := v0.6.0
STATICCHECK_VERSION   := v0.8.2
CONFIG        ?= config/demo.yaml

.PHONY: all build run test vet lint workflowcheck chromium samba temporal tools bench clean test-cluster cluster-bins postgres

all: build

build:
	$(GO) build -o bin/jml ./cmd/jml

## run: the whole product on loopback (dev server + UI, emulators, worker, intake)
run: build temporal
	./bin/jml dev --config $(CONFIG)

## test: vet, staticcheck, workflowcheck, every test including end to end;
## sets up what the tests need first (the dev server, the linters, Chromium)
test: temporal tools chromium samba vet lint workflowcheck
	$(GO) test -count=1 -timeout 20m ./...

vet:
	$(GO) vet ./...

## lint: staticcheck over every package, tests included
lint: $(STATICCHECK)
	$(STATICCHECK) ./...

## chromium: the headless UI test's browser (apt-get as root, else a one-line instruction)
chromium:
	@./.ci/need-chromium

## samba: the real AD domain controller of the AD tests (apt-get as root, else a one-line instruction)
samba:
	@./.ci/need-samba

workflowcheck: tools
	$(WORKFLOWCHECK) ./workflows/...

## temporal: the Temporal CLI dev server, built from the Go module proxy (skipped when present)
temporal: $(TEMPORAL)
$(TEMPORAL):
	GOBIN=$(BIN) $(GO) install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_CLI_VERSION)

tools: $(WORKFLOWCHECK) $(STATICCHECK)
$(WORKFLOWCHECK):
	GOBIN=$(BIN) $(GO) install go.temporal.io/sdk/contrib/tools/workflowcheck@$(WORKFLOWCHECK_VERSION)
$(STATICCHECK):
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

## test-cluster: the production shape for real (testsuite/cluster): Temporal server on a
## throw-away PostgreSQL, two jml workers and jml serve as docker-compose.yml configures them,
## the Temporal UI with OIDC sign-in; a 200-leaver burst with a worker SIGKILLed mid-burst
TEMPORAL_SERVER_VERSION := v1.29.1
TEMPORAL_UI_VERSION     := v2.42.1
CLUSTER_BINS := $(BIN)/temporal-server $(BIN)/temporal-sql-tool $(BIN)/temporal-ui-server
test-cluster: cluster-bins chromium postgres
	JML_CLUSTER_BIN=$(BIN) $(GO) test -tags cluster -count=1 -timeout 40m -v ./testsuite/cluster/

cluster-bins: $(CLUSTER_BINS)
# Each installs as `server` or `sql`: build into its own GOBIN, then rename.
$(BIN)/temporal-server:
	GOBIN=$(BIN)/.temporal-server $(GO) install go.temporal.io/server/cmd/server@$(TEMPORAL_SERVER_VERSION)
	mv $(BIN)/.temporal-server/server $@ && rmdir $(BIN)/.temporal-server
$(BIN)/temporal-sql-tool:
	GOBIN=$(BIN)/.temporal-sql-tool $(GO) install go.temporal.io/server/cmd/tools/sql@$(TEMPORAL_SERVER_VERSION)
	mv $(BIN)/.temporal-sql-tool/sql $@ && rmdir $(BIN)/.temporal-sql-tool
$(BIN)/temporal-ui-server:
	GOBIN=$(BIN)/.temporal-ui-server $(GO) install github.com/temporalio/ui-server/v2/cmd/server@$(TEMPORAL_UI_VERSION)
	mv $(BIN)/.temporal-ui-server/server $@ && rmdir $(BIN)/.temporal-ui-server

## postgres: PostgreSQL for test-cluster (apt-get as root, else a one-line instruction)
postgres:
	@./.ci/need-postgres

## bench: the measured numbers in README.md
bench: build temporal
	./bin/jml bench --leavers 100
	$(GO) test -run '^$$' -bench . -benchtime 2s ./devstack/...

clean:
	rm -rf bin
