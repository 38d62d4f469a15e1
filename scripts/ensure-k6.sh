#!/usr/bin/env bash
# Prints the path of a k6 binary, building it once into <repo>/.tools/bin
# (gitignored) with `go install` when there is none. Quick when cached.
# The first build compiles a lot of Go: minutes, so run it ahead of time.
#   K6=/path/to/k6     use that binary instead
#   K6_VERSION=v1.x.y  module version to build (default: latest)
# Exit 1, with the reason on stderr, when no k6 can be had.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/ensure-go-tool.sh"
ensure_go_tool k6 go.k6.io/k6 K6 K6_VERSION version
