#!/usr/bin/env bash
# Boost.Beast (the server's transport) against cpp-httplib (the other HTTP
# library Debian ships) with the same ApiHandler and Service behind both:
# GET /health (transport only) and POST /embed of one short text, at 1 and
# 16 keep-alive connections, with wrk. Builds bench/http_transport_compare.cc
# against an existing build folder's libraries.
#
#   bench/http_transport_compare.sh [BUILD_DIR]     (default build/release)
# Env: MODEL (default ../shared/models/minilm-l6-random), DURATION (default 5s).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build/release}
[[ $build = /* ]] || build=$repo/$build
model=${MODEL:-${TEXTEMBED_TEST_DATA:-$repo/../shared}/models/minilm-l6-random}
duration=${DURATION:-5s}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[[ -f $build/libtextembed_server.a ]] || { echo "build $build first (cmake --build $build --target textembed)" >&2; exit 1; }
bin=$build/http_transport_compare
if [[ ! -x $bin || $repo/bench/http_transport_compare.cc -nt $bin || $build/libtextembed_service.a -nt $bin ]]; then
  echo "building $bin"
  ${CXX:-g++} -std=c++20 -O2 -I"$repo/include" -I"$repo/src" "$repo/bench/http_transport_compare.cc" -o "$bin" \
    "$build"/libtextembed_server.a "$build"/libtextembed_service.a "$build"/libtextembed_pipeline.a \
    "$build"/libtextembed_tokenizer.a "$build"/libtextembed_engine.a "$build"/libtextembed_core.a \
    -lcpp-httplib -lssl -lcrypto -ldnnl -lopenblas -llmdb -lxxhash -lcurl -lspdlog -lfmt -lsimdjson -lutf8proc \
    -lpcre2-8 -fopenmp -lpthread
fi
printf '{"inputs":"%s"}\n' "A man is playing a guitar on the stage." >"$work/body.txt"
cat >"$work/post.lua" <<LUA
local body = io.open("$work/body.txt"):read("*l")
request = function() return wrk.format("POST", "/embed", {["Content-Type"] = "application/json"}, body) end
LUA
echo "http_transport_compare: $(uptime)"
printf '%-8s %-8s %5s %10s %9s %9s\n' transport route conns "req/s" "p50 ms" "p99 ms"
for transport in beast httplib; do
  mkfifo "$work/in.$transport"
  "$bin" "$transport" "$model" <"$work/in.$transport" >"$work/out.$transport" 2>&1 &
  pid=$!
  exec 9>"$work/in.$transport"
  for _ in $(seq 300); do grep -q port= "$work/out.$transport" && break; sleep 0.1; done
  port=$(grep -o 'port=[0-9]*' "$work/out.$transport" | cut -d= -f2)
  wrk -t1 -c4 -d1s -s "$work/post.lua" "http://127.0.0.1:$port" >/dev/null  # warm-up
  for route in health embed; do
    for conns in 1 16; do
      script=(); [[ $route == embed ]] && script=(-s "$work/post.lua")
      out=$(wrk -t$((conns < 2 ? 1 : 2)) -c$conns -d"$duration" --latency "${script[@]}" "http://127.0.0.1:$port/health" 2>&1)
      rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
      p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
      p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
      printf '%-8s %-8s %5s %10s %9s %9s\n' "$transport" "$route" "$conns" "$rps" "$p50" "$p99"
    done
  done
  exec 9>&-
  wait "$pid" || true
done
echo "http_transport_compare: $(uptime)"
