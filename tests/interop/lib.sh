# Shared helpers for the interop scripts (sourced). Every child process gets a timeout
# backstop and is stopped on every exit path, so CTest never hangs on a stray process.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
js_peer="$here/js/peer.mjs"
limit=${INTEROP_LIMIT:-120}
work=$(mktemp -d)
children=()
started=$SECONDS

say() { echo "$(basename "$0"): [$((SECONDS - started)) s] $*" >&2; }
die() { say "FAIL: $*"; exit 1; }

# wait_gone PID SECONDS: poll until PID exits; false if it is still alive.
wait_gone() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

cleanup() {
  local pid
  for pid in "${children[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      wait_gone "$pid" 5 || kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  if [[ -n ${KEEP_WORK:-} ]]; then say "work dir kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# json_field FILE EVENT EXPR: EXPR (JavaScript over `o`) of the first line of FILE whose
# event is EVENT; empty if there is none (yet).
json_field() {
  node -e '
    const [file, event, expr] = process.argv.slice(1)
    for (const line of require("fs").readFileSync(file, "utf8").split("\n")) {
      if (!line.startsWith("{")) continue
      const o = JSON.parse(line)
      if (o.event === event) { console.log(eval(expr)); break }
    }' "$1" "$2" "$3"
}

# our_key_file SEED PUBLIC_KEY_PROTOBUF_HEX FILE: the Ed25519 key with that 32-byte seed in
# our key-file format, PrivateKey{Type: Ed25519, Data: seed ‖ public key}; the public-key
# protobuf (08 01 12 20 ‖ key) is what js `peerid` prints for the seed.
our_key_file() {
  printf '08011240%s%s' "$1" "${2:8}" | xxd -r -p > "$3"
  chmod 600 "$3"
}

# start_bg NAME CMD...: runs CMD in the background, stdout to $work/NAME.out, stderr to
# $work/NAME.err; sets $bg_pid.
start_bg() {
  local name=$1
  shift
  timeout -k 5 "$limit" "$@" > "$work/$name.out" 2> "$work/$name.err" < /dev/null &
  bg_pid=$!
  children+=("$bg_pid")
}

# wait_line NAME EVENT: waits (15 s) for a line with EVENT in $work/NAME.out.
wait_line() {
  local i
  for ((i = 0; i < 150; i++)); do
    [[ -n $(json_field "$work/$1.out" "$2" 'o.event' 2>/dev/null || true) ]] && return 0
    sleep 0.1
  done
  cat "$work/$1.err" >&2
  die "$1 printed no $2 line within 15 s"
}

# stop_bg PID NAME: SIGTERM, expect exit 0 within 10 s.
stop_bg() {
  kill -TERM "$1"
  wait_gone "$1" 10 || die "$2 did not stop within 10 s of SIGTERM"
  local status=0
  wait "$1" || status=$?
  [[ $status == 0 ]] || { cat "$work/$2.err" >&2; die "$2 exited with status $status"; }
}

# get JSON EXPR: EXPR (JavaScript over `o`) of one JSON line.
get() { node -e 'const o = JSON.parse(process.argv[1]); console.log(eval(process.argv[2]))' "$1" "$2"; }

# json_match FILE PRED: the first JSON line of FILE for which PRED (JavaScript over `o`)
# holds; empty if none (yet).
json_match() {
  node -e '
    const [file, pred] = process.argv.slice(1)
    for (const line of require("fs").readFileSync(file, "utf8").split("\n")) {
      if (!line.startsWith("{")) continue
      const o = JSON.parse(line)
      if (eval(pred)) { console.log(line); break }
    }' "$1" "$2"
}

# wait_match NAME PRED WHAT [SECONDS]: waits (10 s by default) for a line of NAME's
# output matching PRED and prints it; fails naming WHAT, with the tail of NAME's stderr.
wait_match() {
  local i line
  for ((i = 0; i < ${4:-10} * 10; i++)); do
    line=$(json_match "$work/$1.out" "$2" 2>/dev/null || true)
    [[ -n $line ]] && { echo "$line"; return 0; }
    sleep 0.1
  done
  tail -n 20 "$work/$1.err" >&2
  die "$1: no $3 within ${4:-10} s"
}

# start_fed NAME CMD...: like start_bg, but stdin is a FIFO this shell holds open (a
# pubsub node publishes each stdin line and stops at EOF). feed NAME LINE writes a line,
# end_feed NAME closes it.
declare -gA feeds=()
start_fed() {
  local name=$1 fd
  shift
  mkfifo "$work/$name.in"
  timeout -k 5 "$limit" "$@" > "$work/$name.out" 2> "$work/$name.err" < "$work/$name.in" &
  bg_pid=$!
  children+=("$bg_pid")
  exec {fd}> "$work/$name.in"
  feeds[$name]=$fd
}
feed() { printf '%s\n' "$2" >&"${feeds[$1]}"; }
end_feed() { eval "exec ${feeds[$1]}>&-"; }

# expect_stopped PID NAME: after end_feed, the node must exit 0 with a `stopped` line.
expect_stopped() {
  wait_gone "$1" 10 || die "$2 did not stop within 10 s of stdin EOF"
  local status=0
  wait "$1" || status=$?
  [[ $status == 0 ]] || { cat "$work/$2.err" >&2; die "$2 exited with status $status"; }
  [[ -n $(json_field "$work/$2.out" stopped o.event) ]] || die "$2 printed no stopped line"
}
