#!/usr/bin/env bash
# gossipsub through a relay on loopback, ours against js-libp2p in the same run:
#   publisher --(dials)--> relay --(dials)--> subscriber, three processes of one implementation.
# The publisher does not subscribe (both implementations publish to an unsubscribed topic through
# their fanout). Two passes per implementation: saturating (--bench-rate 0: throughput, and the
# latency of a full pipeline) and paced at 1000 msgs/s (latency). Prints a markdown table.
# Usage: bench/gossip_relay.sh [N [SIZE [N_PACED]]]
#   N saturating messages (default 20000), SIZE bytes each (default 1024), N_PACED paced messages
#   (default 5000, at most N). AIPG=path overrides build/release/aipg (needs scripts/build release).
#   PASS_LIMIT=seconds caps each pass (default 60 + N/200). KEEP=dir keeps every node's output.
# A pass that does not deliver every message is reported "incomplete (k of N)": the js subscriber
# prints what it got after 5 s without a message (or when stopped); ours prints nothing until N
# arrive, so its pass ends 10 s after its publisher is done and k is unknown ("?").
set -euo pipefail
cd "$(dirname "$0")/.."
n_sat=${1:-20000}
size=${2:-1024}
n_paced=${3:-$((n_sat < 5000 ? n_sat : 5000))}
rate=1000
grace=10
aipg=${AIPG:-build/release/aipg}
js=tests/interop/js/peer.mjs
[[ -x $aipg ]] || { echo "no $aipg (scripts/build release, or set AIPG)" >&2; exit 1; }
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# first FILE EVENT [JQ-FILTER]: the first line of FILE with that event, through the filter.
first() { grep -m1 "\"event\":\"$2\"" "$1" 2>/dev/null | jq -r "${3:-.}" || true; }

# wait_for FILE EVENT SECONDS: until FILE has an EVENT line; fails after SECONDS.
wait_for() {
  local deadline=$((SECONDS + $3))
  until grep -q "\"event\":\"$2\"" "$1" 2>/dev/null; do
    ((SECONDS < deadline)) || { echo "timeout waiting for $2 in $(basename "$1")" >&2; return 1; }
    sleep 0.1
  done
}

start() {  # start NAME COMMAND...: run in the background, output in $work/NAME.{out,err}
  local name=$1; shift
  "$@" > "$work/$name.out" 2> "$work/$name.err" < /dev/null &
  pids+=($!)
  eval "pid_$name=$!"
}

stop_pass() {  # SIGTERM (a js subscriber then prints what it got), 5 s to exit, then SIGKILL
  local p i
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for ((i = 0; i < 50; i++)); do
    local alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  pids=()
}

# node_cmd IMPL ROLE N RATE [DIAL]: the command line of one node.
node_cmd() {
  local impl=$1 role=$2 n=$3 r=$4 dial=${5:-}
  if [[ $impl == ours ]]; then
    local c=("$aipg" --log-level warn pubsub --listen /ip4/127.0.0.1/tcp/0)
    [[ -n $dial ]] && c+=(--bootstrap "$dial")
  else
    local c=(node "$js" gossip --port 0 --timeout 120)
    [[ -n $dial ]] && c+=(--dial "$dial")
  fi
  case $role in
    sub) c+=(--sub bench --bench-receive "$n") ;;
    # --quiet: a line per message would cost the relay more than forwarding it.
    relay) c+=(--sub bench --quiet) ;;
    pub) c+=(--pub bench --bench-publish "$n" --bench-size "$size" --bench-rate "$r") ;;
  esac
  # js reads its peers' streams without backpressure: when the publisher leaves, the relay drops
  # what it has read but not yet processed. So the js publisher stays until the pass ends.
  [[ $impl == js && $role == pub ]] && c+=(--bench-linger 100000)
  echo "${c[@]@Q}"
}

fmt() { printf '%.*f' "$1" "$2"; }

rows=()
pass() {  # pass IMPL KEY MODE N RATE
  local impl=$1 key=$2 mode=$3 n=$4 r=$5
  local limit=${PASS_LIMIT:-$((60 + n / 200))}
  local t0=$SECONDS
  row() { rows+=("| $impl | $mode | $1 | $2 | $3 |"); }
  if ! {
    eval "start sub $(node_cmd "$impl" sub "$n" "$r")" &&
    wait_for "$work/sub.out" listening 30 &&
    eval "start relay $(node_cmd "$impl" relay "$n" "$r" "$(first "$work/sub.out" listening '.addrs[0]')")" &&
    wait_for "$work/relay.out" listening 30 && wait_for "$work/relay.out" connected 30 &&
    eval "start pub $(node_cmd "$impl" pub "$n" "$r" "$(first "$work/relay.out" listening '.addrs[0]')")"
  }; then
    row "failed to start" - -; stop_pass; keep "$impl" "$key"; return
  fi
  local published_at=
  while ((SECONDS - t0 < limit)); do
    grep -q '"event":"bench_received"' "$work/sub.out" 2>/dev/null && break
    if [[ -z $published_at ]] && grep -q '"event":"bench_published"' "$work/pub.out" 2>/dev/null; then published_at=$SECONDS; fi
    [[ $impl == ours && -n $published_at ]] && ((SECONDS - published_at >= grace)) && break
    kill -0 "$pid_sub" 2>/dev/null || break
    sleep 0.2
  done
  stop_pass
  local published got
  published=$(first "$work/pub.out" bench_published .count)
  got=$(first "$work/sub.out" bench_received .count)
  # The subscriber must hear the publisher only through the relay.
  local direct
  direct=$(grep -c '"event":"connected"' "$work/sub.out" || true)
  ((direct <= 1)) || echo "note: $impl $mode subscriber had $direct connections (expected only the relay)" >&2
  if [[ -z $published ]]; then echo "note: $impl $mode publisher did not finish: $(tail -1 "$work/pub.err")" >&2; fi
  if [[ -n $got && $got == "$n" ]]; then
    row "$(fmt 0 "$(first "$work/sub.out" bench_received .msgs_per_s)")" \
        "$(fmt 2 "$(first "$work/sub.out" bench_received .p50_ms)")" \
        "$(fmt 2 "$(first "$work/sub.out" bench_received .p99_ms)")"
  else
    local of="incomplete (${got:-?} of $n; published ${published:-?})"
    if [[ -n $got && $got != 0 ]]; then
      row "$of: $(fmt 0 "$(first "$work/sub.out" bench_received .msgs_per_s)")" \
          "$(fmt 2 "$(first "$work/sub.out" bench_received .p50_ms)")" \
          "$(fmt 2 "$(first "$work/sub.out" bench_received .p99_ms)")"
    else
      row "$of" - -
    fi
  fi
  keep "$impl" "$key"
}

keep() {  # keep IMPL KEY: copy the pass's output to $KEEP (if set), then clear it
  if [[ -n ${KEEP:-} ]]; then
    mkdir -p "$KEEP"
    for f in sub relay pub; do for x in out err; do
      if [[ -f $work/$f.$x ]]; then cp "$work/$f.$x" "$KEEP/$1-$2-$f.$x"; fi
    done; done
  fi
  rm -f "$work"/*.out "$work"/*.err
}

for impl in ours js; do
  pass "$impl" sat "saturating, $n_sat × $size B" "$n_sat" 0
  pass "$impl" paced "paced $rate/s, $n_paced × $size B" "$n_paced" "$rate"
done

echo "| implementation | mode | msgs/s at subscriber | p50 ms | p99 ms |"
echo "|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
