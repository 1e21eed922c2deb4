#!/usr/bin/env bash
# js <-> js self-test of peer.mjs: proves the test peer itself works before it
# is used to judge the C++ host. Starts `listen`, runs `dial` (100 x 1 MiB echo,
# identity and protocol expectations) and `perf` against it, checks that the
# listener identified the dialer, then stops the listener cleanly.
# Exit status 0 only if every step passed. Usage: selftest.sh [TIMEOUT_SECONDS]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
peer="$here/peer.mjs"
limit=${1:-60}                 # backstop for each child process, in seconds
listen_seed=$(printf '%063d2' 0)
dial_seed=$(printf '%063d3' 0)
work=$(mktemp -d)
listener=

say() { echo "selftest: $*" >&2; }
die() { say "FAIL: $*"; exit 1; }

# Runs on every exit path (success, failure, signal): the listener must never
# outlive the test, or CTest would hang on its open pipes.
cleanup() {
  if [[ -n $listener ]] && kill -0 "$listener" 2>/dev/null; then
    kill -TERM "$listener" 2>/dev/null || true
    wait_gone "$listener" 5 || kill -KILL "$listener" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_gone PID SECONDS: poll until PID exits; false if it is still alive.
wait_gone() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

# json_field FILE EVENT EXPR: print EXPR (JS, over object `o`) of the first
# line of FILE whose event is EVENT; empty if there is none yet.
json_field() {
  node -e '
    const [file, event, expr] = process.argv.slice(1)
    for (const line of require("fs").readFileSync(file, "utf8").split("\n")) {
      if (!line) continue
      const o = JSON.parse(line)
      if (o.event === event) { console.log(eval(expr)); break }
    }' "$1" "$2" "$3"
}

run() { timeout -k 5 "$limit" node "$peer" "$@" --timeout 30; }

# 1. Known answer: the peer id the C++ wire library is also checked against.
run peerid --seed "$(printf '%063d1' 0)" > "$work/peerid.out" || die "peerid failed"
got=$(json_field "$work/peerid.out" peerid o.peer_id)
[[ $got == 12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp ]] || die "peerid known answer: got $got"
dialer_id=$(run peerid --seed "$dial_seed" | node -e 'process.stdin.on("data", d => console.log(JSON.parse(d).peer_id))')

# 2. Start the listener and wait for its `listening` line.
timeout -k 5 "$limit" node "$peer" listen --seed "$listen_seed" --port 0 \
  > "$work/listen.out" 2> "$work/listen.err" < /dev/null &
listener=$!
for ((i = 0; i < 150; i++)); do
  addr=$(json_field "$work/listen.out" listening 'o.addrs[0]' 2>/dev/null || true)
  [[ -n $addr ]] && break
  kill -0 "$listener" 2>/dev/null || { cat "$work/listen.err" >&2; die "listener exited early"; }
  sleep 0.1
done
[[ -n ${addr:-} ]] || die "no listening line within 15 s"
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
kill -TERM "$listener"
wait_gone "$listener" 10 || die "listener did not stop within 10 s of SIGTERM"
status=0; wait "$listener" || status=$?
listener=
[[ $status == 0 ]] || die "listener exited with status $status"
grep -q '"event":"stopped"' "$work/listen.out" || die "listener printed no stopped line"
say "PASS"
