#!/usr/bin/env bash
# js <-> js self-test of peer.mjs `gossip` and `inject`, proving the gossipsub test peer
# before it is used to judge the C++ host:
#   1. A (t1, t2, publishes t1) and B (dials A; t1, t2, publishes t2) exchange one message
#      each way; topic, author and message id are checked, the id against go's
#      definition: author multihash (0x00 0x24 ‖ public-key protobuf) ‖ 8-byte seqno.
#   2. C, gossip-only (D 0), connected to B only (A—B—C): C refuses B's GRAFT, so A's next
#      message can reach C only through IHAVE/IWANT.
#   3. `inject --mode good` into A is delivered; `inject --mode bad-signature` is not, and
#      A's score for that injector goes negative.
#   4. EOF on every node's stdin stops it cleanly (exit 0, `stopped`).
# Exit status 0 only if every step passed. Usage: gossip_selftest.sh [TIMEOUT_SECONDS]
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../lib.sh"
limit=${1:-60} # backstop for each child process, in seconds
started=$SECONDS
say() { echo "$(basename "$0"): [$((SECONDS - started)) s] $*" >&2; }

seed() { printf '%062d%02x' 0 "$1"; }
seed_a=$(seed 0xa1) seed_b=$(seed 0xb2) seed_c=$(seed 0xc3) seed_good=$(seed 0xd4) seed_bad=$(seed 0xe5)

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
# output matching PRED and prints it.
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
# gossip node publishes each stdin line and stops at EOF). feed NAME LINE writes a line,
# end_feed NAME closes it.
declare -A feeds
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
feed() { echo "$2" >&"${feeds[$1]}"; }
end_feed() { eval "exec ${feeds[$1]}>&-"; }

# expect_stopped PID NAME: after end_feed, the node must exit 0 with a `stopped` line.
expect_stopped() {
  wait_gone "$1" 10 || die "$2 did not stop within 10 s of stdin EOF"
  local status=0
  wait "$1" || status=$?
  [[ $status == 0 ]] || { cat "$work/$2.err" >&2; die "$2 exited with status $status"; }
  [[ -n $(json_field "$work/$2.out" stopped o.event) ]] || die "$2 printed no stopped line"
}

# check_message LINE TOPIC FROM PUBLISHED: a received `message` line against the
# sender's `published` line and go's message-id definition.
check_message() {
  local what="message '$(get "$1" o.data)'"
  [[ $(get "$1" o.topic) == "$2" ]] || die "$what: topic $(get "$1" o.topic), want $2"
  [[ $(get "$1" o.from) == "$3" ]] || die "$what: from $(get "$1" o.from), want $3"
  [[ $(get "$1" o.id) == $(get "$4" o.id) ]] || die "$what: id $(get "$1" o.id), published as $(get "$4" o.id)"
  [[ $(get "$1" o.seqno) =~ ^[0-9a-f]{16}$ ]] || die "$what: seqno is not 16 hex digits"
  [[ $(get "$1" o.id) == "${mh_of[$3]}$(get "$1" o.seqno)" ]] || die "$what: id is not from-multihash ‖ seqno"
}

# Peer id and go's multihash prefix of each seed's message ids: 0x00 0x24 (identity
# multihash, 36 bytes) ‖ the Ed25519 public-key protobuf, independent of the code under test.
declare -A mh_of
for who in a b c good bad; do
  var=seed_$who
  read -r id mh < <(node "$js_peer" peerid --seed "${!var}" \
    | get "$(cat)" 'o.peer_id + " 0024" + o.public_key_protobuf_hex')
  printf -v "id_$who" %s "$id"
  mh_of[$id]=$mh
done

gossip=(node "$js_peer" gossip --timeout 20)

# 1. A and B, one message each way.
start_fed A "${gossip[@]}" --seed "$seed_a" --port 0 --sub t1 --sub t2 --pub t1 --print-scores
pid_a=$bg_pid
wait_line A listening
addr_a=$(json_field "$work/A.out" listening 'o.addrs[0]')
start_fed B "${gossip[@]}" --seed "$seed_b" --port 0 --dial "$addr_a" --sub t1 --sub t2 --pub t2 --print-scores
pid_b=$bg_pid
wait_line B connected
addr_b=$(json_field "$work/B.out" listening 'o.addrs[0]')
wait_match A "o.event == 'peer_subscription' && o.peer_id == '$id_b' && o.topic == 't2'" "subscription of B" >/dev/null
wait_match B "o.event == 'peer_subscription' && o.peer_id == '$id_a' && o.topic == 't1'" "subscription of A" >/dev/null
say "A $id_a and B $id_b connected and subscribed"

feed A "hello from A"
feed B "hello from B"
pub_a=$(wait_match A "o.event == 'published' && o.topic == 't1'" "published line")
pub_b=$(wait_match B "o.event == 'published' && o.topic == 't2'" "published line")
got=$(wait_match B "o.event == 'message' && o.data == 'hello from A'" "message from A")
check_message "$got" t1 "$id_a" "$pub_a"
got=$(wait_match A "o.event == 'message' && o.data == 'hello from B'" "message from B")
check_message "$got" t2 "$id_b" "$pub_b"
say "mesh delivery both ways, ids are go's from ‖ seqno"

# 2. Gossip-only C behind B: C refuses B's GRAFT; then A publishes.
start_fed C "${gossip[@]}" --seed "$seed_c" --port 0 --dial "$addr_b" --sub t1 --d 0 --d-lo 0 --d-hi 0 --print-scores
pid_c=$bg_pid
wait_line C connected
wait_match C "o.event == 'prune' && o.peer_id == '$id_b' && o.topic == 't1' && o.direction == 'outbound'" \
  "PRUNE answering B's GRAFT" >/dev/null
wait_match B "o.event == 'prune' && o.peer_id == '$id_c' && o.topic == 't1' && o.direction == 'inbound'" \
  "PRUNE from C" >/dev/null
feed A "repair via gossip"
pub_a=$(wait_match A "o.event == 'published' && o.seqno != '$(get "$pub_a" o.seqno)'" "second published line")
got=$(wait_match C "o.event == 'message' && o.data == 'repair via gossip'" "message from A via IHAVE/IWANT")
check_message "$got" t1 "$id_a" "$pub_a"
[[ -z $(json_match "$work/C.out" "o.event == 'scores' && Object.values(o.mesh).some(m => m.length > 0)") ]] \
  || die "gossip-only C had a mesh peer"
say "gossip-only C (never in a mesh) got A's message through B's IHAVE"

# 3. Injection into A: good messages delivered, bad signatures rejected and scored.
timeout -k 5 "$limit" node "$js_peer" inject "$addr_a" --topic t1 --seed "$seed_good" --count 2 --mode good \
  --timeout 20 > "$work/good.out" 2> "$work/good.err" || { cat "$work/good.err" >&2; die "inject good failed"; }
injected=$(json_match "$work/good.out" "o.event == 'injected'")
[[ $(get "$injected" "o.count + ' ' + o.mode + ' ' + o.peer_id") == "2 good $id_good" ]] || die "inject good printed $injected"
for i in 1 2; do
  got=$(wait_match A "o.event == 'message' && o.data == 'inject-$i'" "injected message $i")
  [[ $(get "$got" "o.from + ' ' + o.topic") == "$id_good t1" ]] || die "injected message $i: $got"
  [[ $(get "$got" o.id) == $(get "$injected" "o.ids[$i - 1]") ]] || die "injected message $i: id differs from the injector's"
done
timeout -k 5 "$limit" node "$js_peer" inject "$addr_a" --topic t1 --seed "$seed_bad" --count 2 --mode bad-signature \
  --timeout 20 > "$work/bad.out" 2> "$work/bad.err" || { cat "$work/bad.err" >&2; die "inject bad-signature failed"; }
[[ -n $(json_match "$work/bad.out" "o.event == 'injected' && o.mode == 'bad-signature'") ]] || die "no injected line"
scored=$(wait_match A "o.event == 'scores' && o.scores['$id_bad'] < 0" "negative score for the bad injector")
[[ -z $(json_match "$work/A.out" "o.event == 'message' && o.from == '$id_bad'") ]] \
  || die "A delivered a message with a bad signature"
say "good injection delivered; bad signatures dropped, injector scored $(get "$scored" "o.scores['$id_bad']")"

# 4. EOF on stdin stops every node cleanly.
end_feed C; end_feed B; end_feed A
expect_stopped "$pid_c" C
expect_stopped "$pid_b" B
expect_stopped "$pid_a" A
say "PASS in $((SECONDS - started)) s"
