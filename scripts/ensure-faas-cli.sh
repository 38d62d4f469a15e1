#!/usr/bin/env bash
# Prints the path of a faas-cli binary, building it once into <repo>/.tools/bin
# (gitignored) with `go install` when there is none. Quick when cached.
#   FAAS_CLI=/path/to/faas-cli   use that binary instead
#   FAAS_CLI_VERSION=0.17.x      module version to build (default: latest)
# Exit 1, with the reason on stderr, when no faas-cli can be had.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin_dir="$repo/.tools/bin"
target="$bin_dir/faas-cli"

works() { [ -x "$1" ] && "$1" version --short-version >/dev/null 2>&1; }

if [ -n "${FAAS_CLI:-}" ]; then
  works "$FAAS_CLI" || { echo "ensure-faas-cli: FAAS_CLI=$FAAS_CLI does not run" >&2; exit 1; }
  echo "$FAAS_CLI"; exit 0
fi
if works "$target"; then echo "$target"; exit 0; fi

command -v go >/dev/null || { echo "ensure-faas-cli: go is not installed; install Go >= 1.22 or set FAAS_CLI" >&2; exit 1; }
mkdir -p "$bin_dir"
# One build at a time: parallel test runs wait here, then find it cached.
exec 9>"$repo/.tools/.faas-cli.lock"
command -v flock >/dev/null && flock 9
if works "$target"; then echo "$target"; exit 0; fi

version="${FAAS_CLI_VERSION:-latest}"
echo "ensure-faas-cli: building github.com/openfaas/faas-cli@$version into $bin_dir (once; a few minutes)" >&2
start=$(date +%s)
if ! GOBIN="$bin_dir" GOFLAGS="${GOFLAGS:-} -buildvcs=false" go install "github.com/openfaas/faas-cli@$version" >&2; then
  echo "ensure-faas-cli: 'go install github.com/openfaas/faas-cli@$version' failed (see above)." >&2
  echo "  The Go module proxy may refuse this module; install faas-cli another way and set FAAS_CLI=/path/to/faas-cli." >&2
  exit 1
fi
works "$target" || { echo "ensure-faas-cli: built $target but it does not run" >&2; exit 1; }
echo "ensure-faas-cli: built in $(( $(date +%s) - start ))s" >&2
echo "$target"
