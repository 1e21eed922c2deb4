#!/usr/bin/env bash
# js <-> js self-test of peer.mjs: proves the test peer itself works before it
# is used to judge the C++ host. Starts `listen`, runs `dial` (100 x 1 MiB echo,
# identity and protocol expectations) and `perf` against it, checks that the
# listener identified the dialer, then stops the listener cleanly.
# Exit status 0 only if every step passed. Usage: selftest.sh [TIMEOUT_SECONDS]
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lib.sh"
limit=${1:-60}                 # backstop for each child process, in seconds
listen_seed=$(printf '%063d2' 0)
dial_seed=$(printf '%063d3' 0)

run() { timeout -k 5 "$limit" node "$js_peer" "$@" --timeout 30; }

# 1. Known answer: the peer id the C++ wire library is also checked against.
run peerid --seed "$(printf '%063d1' 0)" > "$work/peerid.out" || die "peerid failed"
got=$(json_field "$work/peerid.out" peerid o.peer_id)
[[ $got == 12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp ]] || die "peerid known answer: got $got"
dialer_id=$(get "$(run peerid --seed "$dial_seed")" o.peer_id)

# 2. Start the listener and wait for its `listening` line.
start_bg listen node "$js_peer" listen --seed "$listen_seed" --port 0
listener=$bg_pid
wait_line listen listening
addr=$(json_field "$work/listen.out" listening 'o.addrs[0]')
listen_id=$(json_field "$work/listen.out" listening o.peer_id)
say "listener $listen_id at $addr"

# 3. Dial: identify, 3 pings, 100 x 1 MiB echo, expectations.
run dial "$addr" --seed "$dial_seed" --streams 100 --bytes 1048576 --expect-peer "$listen_id" \
  --expect-protocols /aipg/echo/1.0.0,/perf/1.0.0,/ipfs/id/1.0.0,/ipfs/ping/1.0.0 \
  | tee "$work/dial.out" || die "dial failed"
[[ $(json_field "$work/dial.out" done o.ok) == true ]] || die "dial printed no done line"

# 4. Throughput over /perf/1.0.0 and over echo.
run perf "$addr" --bytes 67108864 | tee "$work/perf.out" || die "perf failed"
run perf "$addr" --bytes 67108864 --mode echo | tee -a "$work/perf.out" || die "perf over echo failed"

# 5. The listener must have identified the dialer too (identify runs both ways).
grep -q "\"event\":\"peer\",\"peer_id\":\"$dialer_id\"" "$work/listen.out" \
  || die "listener printed no peer line for the dialer $dialer_id"

# 6. Stop the listener: it must exit 0 after printing `stopped`.
stop_bg "$listener" listen
[[ -n $(json_field "$work/listen.out" stopped o.event) ]] || die "listener printed no stopped line"
say "PASS"
