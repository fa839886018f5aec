# The two commands: `make run` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test setup infra proto lint bench stop clean eval image k8s-check k8s-verify
.PHONY: toxiproxy reliability soak

run: setup ## set up, load demo data, start every process, each restarted when it dies (Ctrl-C stops them)
	scripts/run.sh

test: infra ## set up, then the whole suite: unit, integration, e2e
	$(BIN)/pytest

BUF := var/tools/node_modules/.bin/buf
DEPLOY_TOOLS := var/tools/.deploy-tools
ASYNCAPI_TOOLS := var/tools/node_modules/@asyncapi/parser/package.json
API_BROWSER := var/tools/node_modules/swagger-ui-dist/package.json
CONSOLE_ASSETS := var/tools/node_modules/echarts/package.json

setup: $(VENV)/.installed $(BUF) $(DEPLOY_TOOLS) $(ASYNCAPI_TOOLS) $(API_BROWSER) $(CONSOLE_ASSETS) toxiproxy ## the virtualenv with the project installed, buf, the k8s and AsyncAPI checkers, the /docs API browser, the console's htmx, Leaflet and ECharts

$(VENV)/.installed: pyproject.toml
	scripts/setup-python.sh

$(BUF):
	scripts/setup-buf.sh

$(ASYNCAPI_TOOLS): scripts/setup-asyncapi.sh
	scripts/setup-asyncapi.sh

$(API_BROWSER): scripts/setup-api-browser.sh
	scripts/setup-api-browser.sh

$(CONSOLE_ASSETS): scripts/setup-console-assets.sh
	scripts/setup-console-assets.sh

TOXIPROXY := var/tools/bin/toxiproxy-server
toxiproxy: $(TOXIPROXY) ## toxiproxy's server and cli (the reliability suite's faults), built once per machine
$(TOXIPROXY): scripts/setup-toxiproxy.sh
	scripts/setup-toxiproxy.sh

reliability: infra ## every fault, flood and lifecycle scenario on a broker and database of its own (6.5 min on an idle 2-core machine, 28 on a loaded one); `make test` runs the fast part
	COMMUNE_RELIABILITY=all $(BIN)/pytest tests/reliability -q
	COMMUNE_FUZZ_EXAMPLES=500 $(BIN)/pytest tests/reliability/test_fuzz_parsers.py tests/e2e/test_fuzz_http.py tests/e2e/test_fuzz_grpc.py -q

SOAK_MINUTES ?= 30
soak: infra ## steady mixed load for SOAK_MINUTES (30), memory and queue depths per minute
	$(BIN)/python -m bench.soak --minutes $(SOAK_MINUTES)

$(DEPLOY_TOOLS): scripts/setup-deploy-tools.sh
	scripts/setup-deploy-tools.sh

infra: setup ## RabbitMQ and FerretDB installed, started and answering
	scripts/infra.sh

proto: setup ## regenerate gen/python from proto/, then lint the contracts
	scripts/gen-proto.sh
	cd proto && ../$(BUF) lint

image: infra ## the OCI image (var/image/), built without a Docker engine, then its smoke test
	scripts/build-image.sh
	scripts/smoke-image.sh

k8s-check: setup ## deploy/k8s only: build, validate strictly, lint, alert rules, agreement with the code
	$(BIN)/pytest tests/deploy

k8s-verify: setup ## both overlays through a real kube-apiserver (dry run, admission and PodSecurity included); builds it once, ~12 min
	scripts/k8s-verify.sh

lint: setup ## ruff on the code
	$(BIN)/ruff check services tests bench

bench: infra ## benchmarks, each beside its baseline measured in the same run
	$(BIN)/python -m bench.events
	$(BIN)/python -m bench.tasks
	$(BIN)/python -m bench.assistant
	$(BIN)/python -m bench.trace
	$(BIN)/python -m bench.kpi
	$(BIN)/python -m bench.iocevents
	$(BIN)/python -m bench.outbox

stop: ## stop the broker and database that the set-up started
	scripts/stop-infra.sh

clean: stop ## remove the virtualenv and all local state (var/)
	rm -rf $(VENV) var

eval: setup ## the assistant measured on eval/assistant/dev.yaml (tuned on) and test.yaml (only measured)
	$(BIN)/python -m services.assistant.evaluation
