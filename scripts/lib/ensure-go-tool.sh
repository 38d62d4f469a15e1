# Sourced by scripts/ensure-*.sh. ensure_go_tool NAME MODULE OVERRIDE_VAR VERSION_VAR CHECK_ARGS...
# Prints the path of a working NAME binary: $OVERRIDE_VAR when set, else
# <repo>/.tools/bin/NAME (gitignored), built once with `go install
# MODULE@${VERSION_VAR:-latest}` under a lock, so parallel callers wait for
# one build. `NAME CHECK_ARGS...` must succeed for a binary to count.
# Exit 1, with the reason on stderr, when none can be had.
ensure_go_tool() {
  local name="$1" module="$2" override_var="$3" version_var="$4"
  shift 4
  local check=("$@")
  local repo bin_dir target override version start
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  bin_dir="$repo/.tools/bin"
  target="$bin_dir/$name"
  works() { [ -x "$1" ] && "$1" "${check[@]}" >/dev/null 2>&1; }

  override="${!override_var:-}"
  if [ -n "$override" ]; then
    works "$override" || { echo "ensure-$name: $override_var=$override does not run" >&2; exit 1; }
    echo "$override"; exit 0
  fi
  if works "$target"; then echo "$target"; exit 0; fi

  command -v go >/dev/null || { echo "ensure-$name: go is not installed; install Go or set $override_var" >&2; exit 1; }
  mkdir -p "$bin_dir"
  exec 9>"$repo/.tools/.$name.lock"
  command -v flock >/dev/null && flock 9
  if works "$target"; then echo "$target"; exit 0; fi

  version="${!version_var:-latest}"
  echo "ensure-$name: building $module@$version into $bin_dir (once; a few minutes)" >&2
  start=$(date +%s)
  if ! GOBIN="$bin_dir" GOFLAGS="${GOFLAGS:-} -buildvcs=false" go install "$module@$version" >&2; then
    echo "ensure-$name: 'go install $module@$version' failed (see above)." >&2
    echo "  The Go module proxy may refuse this module; install $name another way and set $override_var=/path/to/$name." >&2
    exit 1
  fi
  works "$target" || { echo "ensure-$name: built $target but it does not run" >&2; exit 1; }
  echo "ensure-$name: built in $(( $(date +%s) - start ))s" >&2
  echo "$target"
}
