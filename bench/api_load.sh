#!/usr/bin/env bash
# Load on one API node (docs/benchmarks.md "API node"): submits/s, then status polls/s over 10k
# stored jobs, with wrk on loopback, and the node's RSS. A bootstrap, the node and one worker on
# the test backend (the worker runs what it can while jobs are submitted; most stay queued, as
# under real load; it is stopped for the polls). Logs at warn: no access log lines.
# Usage: bench/api_load.sh [build/release/aipg] [sync: full|normal] [jobs] [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
aipg=${1:-build/release/aipg}
sync=${2:-normal}
jobs=${3:-10000}
secs=${4:-10}
work=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" "$2" | head -1; }
wait_for() { for _ in $(seq 200); do grep -q "$1" "$2" 2>/dev/null && return 0; sleep 0.1; done; echo "no $1 in $2" >&2; exit 1; }

"$aipg" --log-level warn bootstrap --key "$work/b.key" --listen /ip4/127.0.0.1/tcp/0 >"$work/b.out" 2>&1 &
pids+=($!)
wait_for listening "$work/b.out"
boot=$(sed -n 's/.*"addrs":\["\([^"]*\)".*/\1/p' "$work/b.out")
"$aipg" --log-level warn node --key "$work/n.key" --listen /ip4/127.0.0.1/tcp/0 --bootstrap "$boot" \
  --http 127.0.0.1:0 --data-dir "$work/data" --sync "$sync" --rate-submits 0 --rate-ip 0 \
  --ttl-s 86400 >"$work/n.out" 2>"$work/n.err" &
npid=$!
pids+=($npid)
"$aipg" --log-level warn worker --key "$work/w.key" --listen /ip4/127.0.0.1/tcp/0 --bootstrap "$boot" \
  --model bench/model --slots 4 >"$work/w.out" 2>&1 &
wpid=$!
pids+=($wpid)
wait_for node_ready "$work/n.out"
http=$(field http "$work/n.out")
for _ in $(seq 100); do
  curl -s "http://$http/api/v2/status/models" | grep -q '"count":1' && break
  sleep 0.2
done

# A short submit run, so that the book holds about $jobs jobs for the polls.
echo "== submits (sync=$sync), 2 connections, 3s"
wrk -t1 -c2 -d3s --latency -s bench/api_submit.lua "http://$http/api/v2/generate/text/async" |
  grep -E "Requests/sec|  50%|  99%|requests in"
have=$(curl -s "http://$http/metrics" | sed -n 's/^aipg_jobs_submitted_total \(.*\)/\1/p')
# Top up to $jobs stored jobs, then collect their ids from the store through the status route.
while ((${have%.*} < jobs)); do
  curl -s -X POST -H 'Content-Type: application/json' \
    -d '{"prompt":"x","models":["bench/model"]}' "http://$http/api/v2/generate/text/async" >/dev/null
  have=$((${have%.*} + 1))
done
sqlite3 "$work/data/jobs.db" "select hex(job_id) from own group by job_id limit $jobs" |
  tr 'A-F' 'a-f' | sed -E 's/(.{8})(.{4})(.{4})(.{4})(.{12})/\1-\2-\3-\4-\5/' >"$work/ids"
echo "stored jobs: $(wc -l <"$work/ids")"
# Polls measure the HTTP path and the book, not the worker sharing the two cores.
kill "$wpid"
echo "== status polls over them, 64 connections, ${secs}s (worker stopped)"
# One wrk thread: the node (one thread) and wrk share the two cores.
AIPG_IDS="$work/ids" wrk -t1 -c64 -d"${secs}s" --latency -s bench/api_status.lua "http://$http" |
  grep -E "Requests/sec|  50%|  99%|requests in|Non-2xx"
echo "node RSS: $(awk '/VmRSS/ {print $2, $3}' /proc/$npid/status)"
