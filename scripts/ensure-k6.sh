#!/usr/bin/env bash
# Prints the path of a k6 binary, building it once into <repo>/.tools/bin
# (gitignored) with `go install` when there is none. Quick when cached.
# The first build compiles a lot of Go: minutes, so run it ahead of time.
#   K6=/path/to/k6     use that binary instead
#   K6_VERSION=v1.x.y  module version to build (default: latest)
# Exit 1, with the reason on stderr, when no k6 can be had.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin_dir="$repo/.tools/bin"
target="$bin_dir/k6"

works() { [ -x "$1" ] && "$1" version >/dev/null 2>&1; }

if [ -n "${K6:-}" ]; then
  works "$K6" || { echo "ensure-k6: K6=$K6 does not run" >&2; exit 1; }
  echo "$K6"; exit 0
fi
if works "$target"; then echo "$target"; exit 0; fi

command -v go >/dev/null || { echo "ensure-k6: go is not installed; install Go or set K6" >&2; exit 1; }
mkdir -p "$bin_dir"
exec 9>"$repo/.tools/.k6.lock"
command -v flock >/dev/null && flock 9
if works "$target"; then echo "$target"; exit 0; fi

version="${K6_VERSION:-latest}"
echo "ensure-k6: building go.k6.io/k6@$version into $bin_dir (once; several minutes)" >&2
start=$(date +%s)
if ! GOBIN="$bin_dir" GOFLAGS="${GOFLAGS:-} -buildvcs=false" go install "go.k6.io/k6@$version" >&2; then
  echo "ensure-k6: 'go install go.k6.io/k6@$version' failed (see above); set K6=/path/to/k6 to use another build." >&2
  exit 1
fi
works "$target" || { echo "ensure-k6: built $target but it does not run" >&2; exit 1; }
echo "ensure-k6: built in $(( $(date +%s) - start ))s" >&2
echo "$target"
