# Shared helpers for the interop scripts (sourced). Every child process gets a timeout
# backstop and is stopped on every exit path, so CTest never hangs on a stray process.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
js_peer="$here/js/peer.mjs"
limit=${INTEROP_LIMIT:-120}
work=$(mktemp -d)
children=()

say() { echo "$(basename "$0"): $*" >&2; }
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
