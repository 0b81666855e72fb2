#!/usr/bin/env bash
# HTTP load on `textembed serve` (loopback only) next to the in-process
# `textembed bench` on the same texts: requests/s, texts/s and p50/p99 for
# single-text and 32-text POST /embed requests at 1 and 16 connections, and
# for single short queries at 1 connection (the latency target).
# wrk drives the load (bounded by DURATION per case); the memory cache is off
# so every text is embedded. The server logs each request (info), as deployed.
#
#   bench/server_load.sh [BUILD_DIR]        (default build/release)
#
# Env: MODEL (default models/all-MiniLM-L6-v2, else ../shared/models/minilm-l6-random), DURATION (wrk -d,
# default 10s), TEXTS (distinct texts, default 1024), THREADS (inference
# threads, default all cores).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh" "$@"
# The trained all-MiniLM-L6-v2 when scripts/trained_models.sh fetched it; the
# random-weight copy of the same architecture (same speed) otherwise.
default_model=$repo/models/all-MiniLM-L6-v2
[[ -f $default_model/config.json ]] || default_model=$shared/models/minilm-l6-random
model=${MODEL:-$default_model}
duration=${DURATION:-10s}
ntexts=${TEXTS:-1024}
threads=${THREADS:-0}
command -v wrk >/dev/null || { say "wrk not found (apt install wrk)"; exit 1; }
[[ -x $bin ]] || { say "$bin missing (make build)"; exit 1; }
work=$(mktemp -d)
pid=""
trap '[[ -n $pid ]] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT

# Texts: STS-B dev sentences (7-53 tokens, median 14, p99 38) in request
# bodies of 1 and 32 texts; and short queries, SQuAD dev questions (median 14
# tokens, p99 27), one per request, for the single-short-text latency target.
python3 - "$shared/data/goldens/stsb-dev-sentences.jsonl" "$shared/data/corpus/squad_v1.1_dev_questions.txt" \
  "$ntexts" "$work" <<'PYEOF'
import json, sys
source, questions, n, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
texts = [json.loads(line)["text"] for line in open(source, encoding="utf-8")][:n]
open(f"{work}/texts.txt", "w", encoding="utf-8").write("\n".join(texts) + "\n")
with open(f"{work}/bodies1.txt", "w", encoding="utf-8") as f:
    for t in texts: f.write(json.dumps({"inputs": t}) + "\n")
with open(f"{work}/bodies32.txt", "w", encoding="utf-8") as f:
    for i in range(0, len(texts) - 31, 32): f.write(json.dumps({"inputs": texts[i:i + 32]}) + "\n")
with open(f"{work}/bodies_query.txt", "w", encoding="utf-8") as f:
    for q in open(questions, encoding="utf-8").read().splitlines()[:n]: f.write(json.dumps({"inputs": q}) + "\n")
PYEOF

echo "server_load: $(uptime)"
echo "model $model, $ntexts texts, $duration per case, inference threads ${threads} (0 = all)"
inproc=$("$bin" bench --model "$model" --input "$work/texts.txt" --threads "$threads" --repeat 3 2>/dev/null)
inproc_tps=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["texts_per_s"])' "$inproc")
echo "in-process textembed bench: $inproc_tps texts/s"

"$bin" serve --model "$model" --port 0 --metrics-port 0 --threads "$threads" --cache-entries 0 \
  --env-file /dev/null 2>"$work/server.log" &
pid=$!
for _ in $(seq 600); do grep -q ' ready ' "$work/server.log" && break; sleep 0.1; done
grep -q ' ready ' "$work/server.log" || { cat "$work/server.log" >&2; say "server did not start"; exit 1; }
port=$(grep ' ready ' "$work/server.log" | grep -o ' port=[0-9]*' | cut -d= -f2)
url=http://127.0.0.1:$port
curl -sf "$url/info" >/dev/null || { say "no API port found"; exit 1; }
# Warm-up: page in weights, size arenas.
BODIES_FILE=$work/bodies32.txt wrk -t1 -c4 -d2s -s "$repo/bench/server_load.lua" "$url" >/dev/null
# wrk stops sending at its deadline but the server still answers what it
# accepted (up to 16 × 32 texts); let that finish before the next case.
settle() { sleep 1; }
settle

printf '\n%-12s %5s %10s %10s %9s %9s %9s\n' "texts/req" "conns" "req/s" "texts/s" "p50 ms" "p99 ms" "vs bench"
# Cases: texts per request, connections, bodies file.
for case in "1 1 bodies1" "1 16 bodies1" "32 1 bodies32" "32 16 bodies32" "1 1 bodies_query"; do
  read -r per conns bodies <<<"$case"
  settle
  wrk_threads=$((conns < 2 ? 1 : 2))
  out=$(BODIES_FILE=$work/$bodies.txt wrk -t$wrk_threads -c$conns -d"$duration" --timeout 30s \
    -s "$repo/bench/server_load.lua" "$url" | tail -1)
  python3 - "$out" "$per" "$conns" "$inproc_tps" "$bodies" <<'PYEOF'
import json, sys
r, per, conns, inproc, bodies = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
tps = r["requests_per_s"] * per
bad = f"  ({r['errors']} errors, {r['non_2xx']} non-2xx)" if r["errors"] or r["non_2xx"] else ""
label = "1 query" if bodies == "bodies_query" else str(per)
ratio = "-" if bodies == "bodies_query" else f"{tps / inproc:.0%}"
print(f"{label:<12} {conns:5} {r['requests_per_s']:10.1f} {tps:10.1f} {r['p50_ms']:9.2f} {r['p99_ms']:9.2f} {ratio:>8}{bad}")
PYEOF
done
echo "(1 query: a SQuAD question per request, the single-short-text latency target: p99 < 5 ms)"
echo "server_load: $(uptime)"
