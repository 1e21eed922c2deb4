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
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$here/lib.sh"
source "$here/gossip_lib.sh"
limit=${1:-60} # backstop for each child process, in seconds

seed_a=$(seed 0xa1) seed_b=$(seed 0xb2) seed_c=$(seed 0xc3) seed_good=$(seed 0xd4) seed_bad=$(seed 0xe5)
identity a "$seed_a" b "$seed_b" c "$seed_c" good "$seed_good" bad "$seed_bad"
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
check_message "$got" t1 "$id_a" "$pub_a" "hello from A"
got=$(wait_match A "o.event == 'message' && o.data == 'hello from B'" "message from B")
check_message "$got" t2 "$id_b" "$pub_b" "hello from B"
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
check_message "$got" t1 "$id_a" "$pub_a" "repair via gossip"
expect_no_mesh C
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
