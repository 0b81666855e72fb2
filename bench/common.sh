# Sourced by the bench scripts (`source "$(dirname "${BASH_SOURCE[0]}")/common.sh" "$@"`,
# after `set`): where things are, the same way in each.
#   repo       the repository root
#   build_dir  the script's first argument (default build/release), made absolute
#   bin        the textembed binary: $TEXTEMBED_BIN, else $build_dir/textembed
#   shared     the shared data folder: $TEXTEMBED_TEST_DATA, else ../shared
#   say MESSAGE...   a line on stderr, prefixed with the script's name
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${1:-build/release}"
[[ "$build_dir" = /* ]] || build_dir="$repo/$build_dir"
bin="${TEXTEMBED_BIN:-$build_dir/textembed}"
shared="${TEXTEMBED_TEST_DATA:-$repo/../shared}"
bench_name="$(basename "${BASH_SOURCE[1]}" .sh)"
say() { echo "$bench_name: $*" >&2; }
