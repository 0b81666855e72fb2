#!/usr/bin/env bash
# The C API from C: builds tests/capi/capi_test.c and examples/c/embed.c with
# the system C compiler against the built libtextembed.so, runs them, and
# checks the C result equals `textembed embed --output f32` for the same text.
set -uo pipefail

TEST_NAME=capi_test
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
BUILD_DIR=${TEXTEMBED_BUILD_DIR:-$(dirname "$BIN")}
LIB=$BUILD_DIR/libtextembed.so
[[ -f $LIB ]] || die "$LIB not found (the textembed_c target builds it)"
CC=${CC:-cc}
MODEL=$DATA_DIR/models/bert-tiny-random

make_work_dir

# -Wall -Wextra -Werror -pedantic: the header is plain C11.
if "$CC" -std=c11 -Wall -Wextra -Werror -pedantic -I "$SRC_DIR/include" "$SRC_DIR/tests/capi/capi_test.c" \
     -L "$BUILD_DIR" -ltextembed -lpthread -lm -o "$WORK/capi_test" 2> "$WORK/cc.err"; then
  pass "capi_test.c compiles as C11 against textembed.h"
else
  fail "capi_test.c does not compile: $(head -c 600 "$WORK/cc.err")"; finish
fi
if LD_LIBRARY_PATH=$BUILD_DIR "$WORK/capi_test" "$MODEL" "$WORK/c.f32" > "$WORK/out" 2>&1; then
  pass "capi_test checks (create, errors, embed, options, async, metrics)"
else
  fail "capi_test: $(cat "$WORK/out")"
fi

# The C result is what the C++ CLI computes.
printf 'the C API works\n' | "$BIN" embed --model "$MODEL" --threads 1 --output f32 > "$WORK/cli.f32" 2> "$WORK/err"
if cmp -s "$WORK/c.f32" "$WORK/cli.f32"; then pass "C API vector equals textembed embed's, bit for bit"
else fail "C API vector differs from textembed embed's ($(stat -c %s "$WORK/c.f32") vs $(stat -c %s "$WORK/cli.f32") bytes)"; fi

# The example builds and runs.
if "$CC" -std=c11 -Wall -Wextra -Werror -I "$SRC_DIR/include" "$SRC_DIR/examples/c/embed.c" -L "$BUILD_DIR" \
     -ltextembed -lpthread -lm -o "$WORK/embed" 2> "$WORK/cc.err" \
   && LD_LIBRARY_PATH=$BUILD_DIR "$WORK/embed" "$MODEL" "a cat" "a dog" > "$WORK/example" 2>&1 \
   && grep -q "async: OK, first value equals" "$WORK/example"; then
  pass "examples/c/embed.c builds and runs"
else
  fail "examples/c/embed.c: $(cat "$WORK/cc.err" "$WORK/example" 2>/dev/null | head -c 600)"
fi
finish
