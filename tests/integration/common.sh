# Shared by the integration tests (sourced, after setting TEST_NAME): where the
# binary, the sources and shared/ are, a check that the tools exist, and the
# ok/FAIL bookkeeping. Run by ctest (env TEXTEMBED_BIN, TEXTEMBED_SOURCE_DIR,
# TEXTEMBED_DEFAULT_TEST_DATA) or by hand with TEXTEMBED_BIN=build/release/textembed.

die() { echo "$TEST_NAME: $*" >&2; exit 1; }

SRC_DIR=${TEXTEMBED_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
DATA_DIR=${TEXTEMBED_TEST_DATA:-${TEXTEMBED_DEFAULT_TEST_DATA:-$SRC_DIR/../shared}}
BIN=${TEXTEMBED_BIN:-$SRC_DIR/build/release/textembed}
NODE_DIR=$SRC_DIR/tools/node

command -v node >/dev/null || die "node not found (scripts/setup.sh installs it)"
[[ -d $NODE_DIR/node_modules/tokenizers ]] || die "$NODE_DIR/node_modules/tokenizers missing (run scripts/setup.sh)"
[[ -x $BIN ]] || die "textembed binary not found at $BIN (set TEXTEMBED_BIN)"
[[ -d $DATA_DIR/data && -d $DATA_DIR/models ]] || die "shared data not found at $DATA_DIR"

# make_work_dir: a temporary folder $WORK for the script, removed when it exits.
make_work_dir() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/$TEST_NAME.XXXXXX")
  trap 'rm -rf "$WORK"' EXIT
}

# run_textembed COMMAND STDIN_FILE ARGS...: `textembed COMMAND ARGS...` reading
# STDIN_FILE; sets rc, leaves stdout and stderr in $WORK/out and $WORK/err.
run_textembed() {
  local subcommand=$1 stdin=$2
  shift 2
  rc=0
  "$BIN" "$subcommand" "$@" <"$stdin" >"$WORK/out" 2>"$WORK/err" || rc=$?
}

failures=0
pass() { echo "ok   $1"; }
fail() { echo "FAIL $1"; failures=$((failures + 1)); }
# Exit status and closing line of a test script.
finish() {
  if ((failures)); then echo "$TEST_NAME: $failures check(s) failed"; exit 1; fi
  echo "$TEST_NAME: all passed"
}
