#!/usr/bin/env bash
# Prints the path of a faas-cli binary, building it once into <repo>/.tools/bin
# (gitignored) with `go install` when there is none. Quick when cached.
#   FAAS_CLI=/path/to/faas-cli   use that binary instead
#   FAAS_CLI_VERSION=0.17.x      module version to build (default: latest)
# Exit 1, with the reason on stderr, when no faas-cli can be had.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/ensure-go-tool.sh"
ensure_go_tool faas-cli github.com/openfaas/faas-cli FAAS_CLI FAAS_CLI_VERSION version --short-version
