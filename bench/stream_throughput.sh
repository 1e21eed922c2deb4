#!/usr/bin/env bash
# One Noise + yamux stream's throughput on loopback, ours against js-libp2p in the same run,
# over libp2p's /perf/1.0.0 (upload N bytes, then download N bytes, each on a fresh stream).
# Separate processes for client and server, as a real deployment has.
# Usage: bench/stream_throughput.sh [BYTES]   (default 1 GiB; needs scripts/build release)
set -euo pipefail
cd "$(dirname "$0")/.."
bytes=${1:-1073741824}
aipg=build/release/aipg
js=tests/interop/js/peer.mjs
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

addr_of() {  # wait for the listening line of $1 and print its first address
  for ((i = 0; i < 150; i++)); do
    a=$(node -e 'for (const l of require("fs").readFileSync(process.argv[1],"utf8").split("\n"))
      if (l.startsWith("{")) { const o = JSON.parse(l); if (o.event === "listening") { console.log(o.addrs[0]); break } }' "$1")
    [[ -n $a ]] && { echo "$a"; return; }
    sleep 0.1
  done
  echo "no listening line in $1" >&2; exit 1
}

$aipg --log-level warn listen --listen /ip4/127.0.0.1/tcp/0 --echo > "$work/ours.out" 2>/dev/null < /dev/null &
pids+=($!)
node $js listen --port 0 --timeout 600 > "$work/js.out" 2>/dev/null < /dev/null &
pids+=($!)
ours=$(addr_of "$work/ours.out")
theirs=$(addr_of "$work/js.out")

rate() {  # rate FILE DIRECTION → MiB/s
  node -e 'for (const l of require("fs").readFileSync(process.argv[1],"utf8").split("\n"))
    if (l.startsWith("{")) { const o = JSON.parse(l); if (o.event === "perf" && o.direction === process.argv[2]) console.log(o.mib_per_s.toFixed(0)) }' "$1" "$2"
}

echo "| client → server | upload MiB/s | download MiB/s |"
echo "|---|---|---|"
run() {  # run LABEL CLIENT-COMMAND...
  local label=$1; shift
  "$@" > "$work/run.out" 2>/dev/null || { echo "| $label | failed | failed |"; return; }
  echo "| $label | $(rate "$work/run.out" upload) | $(rate "$work/run.out" download) |"
}
run "aipg → aipg" $aipg --log-level warn perf "$ours" --bytes "$bytes" --timeout 60
run "js → js" node $js perf "$theirs" --bytes "$bytes" --mode perf --timeout 600
run "aipg → js" $aipg --log-level warn perf "$theirs" --bytes "$bytes" --timeout 60
run "js → aipg" node $js perf "$ours" --bytes "$bytes" --mode perf --timeout 600
