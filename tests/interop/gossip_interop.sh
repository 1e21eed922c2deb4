#!/usr/bin/env bash
# gossipsub between our `aipg pubsub` and real js-libp2p gossipsub (`js/peer.mjs gossip`), each
# implementation relaying between two nodes of the other, so every message crosses both ways:
#   1. ours A — js B — ours C (A and C connected only to B): A's messages on t1 reach C, C's on
#      t2 reach A, through B's mesh.
#   2. js A — ours B — js C: the same.
#   3. Gossip repair: a gossip-only node (D 0) refuses its relay's GRAFT and still gets the
#      publisher's message, through the relay's IHAVE and its own IWANT; ours — js — ours (our
#      IWANT answered by js) and js — ours — js (our IHAVE and IWANT answer).
#   4. `inject` into our node: good messages are delivered with the injector's ids; messages
#      with a bad signature are not, and we score the injector negative.
# Every node runs on a key whose peer id and go-style message-id prefix (0x0024 ‖ key protobuf)
# js derives (`peerid`); each message is checked for topic, author, id (= the publisher's id =
# author multihash ‖ seqno), data (UTF-8 with a tab, control bytes, 10 000 characters) and, on
# our side, the relay it came from. EOF on stdin then stops every node cleanly.
# Usage: gossip_interop.sh PATH/TO/aipg
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib.sh"
source "$here/gossip_lib.sh"
aipg=$1
limit=60 # backstop for each child process, in seconds

declare -A seed_of=()
args=()
i=16
for name in A1 B1 C1 A2 B2 C2 P3 R3 G3 P4 R4 G4 X5 good bad; do
  seed_of[$name]=$(seed "$i")
  i=$((i + 1))
  args+=("$name" "${seed_of[$name]}")
done
identity "${args[@]}"
say "identities from js peerid"
idof() { local v="id_$1"; echo "${!v}"; }
addrof() { local v="addr_$1"; echo "${!v}"; }

# start_ours NAME ARGS... / start_js NAME ARGS...: a gossipsub node of ours or of js on NAME's
# key, printing scores, stdin fed by this shell; waits for its `listening` line, checks its peer
# id, and sets addr_NAME and pid_NAME.
started_node() {
  local name=$1 line
  printf -v "pid_$name" %s "$bg_pid"
  line=$(wait_match "$name" "o.event == 'listening'" "listening line" 15)
  [[ $(get "$line" o.peer_id) == "$(idof "$name")" ]] || die "$name listens as $(get "$line" o.peer_id), want $(idof "$name")"
  printf -v "addr_$name" %s "$(get "$line" 'o.addrs[0]')"
}
start_ours() {
  local name=$1
  shift
  start_fed "$name" "$aipg" pubsub --key "$work/$name.key" --listen /ip4/127.0.0.1/tcp/0 --print-scores "$@"
  started_node "$name"
}
start_js() {
  local name=$1
  shift
  start_fed "$name" node "$js_peer" gossip --timeout 20 --seed "${seed_of[$name]}" --port 0 --print-scores "$@"
  started_node "$name"
}

# wait_connected NAME PEER: NAME (ours, or js after --dial) printed `connected` for PEER.
wait_connected() { wait_match "$1" "o.event == 'connected' && o.peer_id == '$(idof "$2")'" "connection to $2" 15 >/dev/null; }

# deliver PUB TOPIC RECV RELAY TEXT...: PUB (whose --pub is TOPIC) publishes each TEXT; each
# must reach RECV intact, with PUB's id, and, where RECV says (ours), from RELAY.
declare -A seen_ids=()
deliver() {
  local pub=$1 topic=$2 recv=$3 relay=$4 text published id got from
  shift 4
  for text; do
    feed "$pub" "$text"
    published=$(wait_match "$pub" "['published', 'publish_failed'].includes(o.event) && ![${seen_ids[$pub]:-}].includes(o.id)" \
      "published line for message ${#text} bytes long")
    [[ $(get "$published" "o.event + ' ' + o.topic") == "published $topic" ]] || die "$pub: $published"
    id=$(get "$published" o.id)
    seen_ids[$pub]+="'$id',"
    got=$(wait_match "$recv" "o.event == 'message' && o.id == '$id'" "message $id from $pub" 10)
    check_message "$got" "$topic" "$(idof "$pub")" "$published" "$text"
    from=$(get "$got" 'o.received_from ?? "-"')
    [[ $from == - || $from == "$(idof "$relay")" ]] || die "$recv got $id from $from, not from the relay $relay"
  done
}
texts() { printf '%s\n' "$1: héllo wörld ✓"$'\t'"tab" "$1: bytes "$'\x01\x02\x1f\x7f'" end" "$1: $(head -c 7500 /dev/urandom | base64 -w0)"; }
mapfile -t texts_a < <(texts A)
mapfile -t texts_c < <(texts C)

# only_peer NAME RELAY: NAME never connected to, nor scored, anyone but RELAY.
only_peer() {
  local other
  other=$(json_match "$work/$1.out" "(o.event == 'connected' && o.peer_id != '$(idof "$2")') \
    || (o.event == 'scores' && Object.keys(o.scores).some(p => p != '$(idof "$2")'))")
  [[ -z $other ]] || die "$1 should know only $2: $other"
}

# stop_all NAME...: EOF on each node's stdin; each must exit 0 after `stopped`, checked by
# check_stopped at the end (the next step need not wait for their linger).
stopping=()
stop_all() {
  local name
  for name; do end_feed "$name"; stopping+=("$name"); done
}
check_stopped() {
  local name pid
  for name in "${stopping[@]}"; do pid="pid_$name"; expect_stopped "${!pid}" "$name"; done
}

# line OURS|JS A B C: A and C (of one implementation) connected only to B (of the other), all
# on t1 and t2 with mesh degree 6; A publishes to t1, C to t2.
line() {
  local kind=$1 a=$2 b=$3 c=$4 other=js t
  [[ $kind == ours ]] || other=ours
  "start_$other" "$b" --sub t1 --sub t2
  if [[ $kind == ours ]]; then
    start_ours "$a" --bootstrap "$(addrof "$b")" --sub t1 --sub t2 --pub t1
    start_ours "$c" --bootstrap "$(addrof "$b")" --sub t1 --sub t2 --pub t2
  else
    start_js "$a" --dial "$(addrof "$b")" --sub t1 --sub t2 --pub t1
    start_js "$c" --dial "$(addrof "$b")" --sub t1 --sub t2 --pub t2
  fi
  wait_connected "$a" "$b"
  wait_connected "$c" "$b"
  for t in t1 t2; do
    wait_mesh "$b" $t "$(idof "$a")" "$(idof "$c")"
    wait_mesh "$a" $t "$(idof "$b")"
    wait_mesh "$c" $t "$(idof "$b")"
  done
  say "$kind $a — $other $b — $kind $c: meshes on t1 and t2 formed"
  deliver "$a" t1 "$c" "$b" "${texts_a[@]}"
  deliver "$c" t2 "$a" "$b" "${texts_c[@]}"
  only_peer "$a" "$b"
  only_peer "$c" "$b"
  say "$kind $a → $other $b → $kind $c on t1 and back on t2: 3 messages each way intact, ids go's"
  stop_all "$a" "$b" "$c"
}

# repair OURS|JS P R G: publisher P and gossip-only G (D 0) of one implementation, connected
# only to relay R of the other, all on t1. G refuses R's GRAFT before P publishes.
repair() {
  local kind=$1 p=$2 r=$3 g=$4 other=js
  [[ $kind == ours ]] || other=ours
  "start_$other" "$r" --sub t1
  if [[ $kind == ours ]]; then
    start_ours "$p" --bootstrap "$(addrof "$r")" --sub t1 --pub t1
    start_ours "$g" --bootstrap "$(addrof "$r")" --sub t1 --d 0 --d-lo 0 --d-hi 0
    # js R reports the PRUNE with which our G answered its GRAFT.
    wait_match "$r" "o.event == 'prune' && o.peer_id == '$(idof "$g")' && o.topic == 't1' && o.direction == 'inbound'" \
      "PRUNE from gossip-only $g" 15 >/dev/null
  else
    start_js "$p" --dial "$(addrof "$r")" --sub t1 --pub t1
    start_js "$g" --dial "$(addrof "$r")" --sub t1 --d 0
    # js G reports the PRUNE with which it answered our R's GRAFT.
    wait_match "$g" "o.event == 'prune' && o.peer_id == '$(idof "$r")' && o.topic == 't1' && o.direction == 'outbound'" \
      "PRUNE to $r answering its GRAFT" 15 >/dev/null
  fi
  wait_connected "$p" "$r"
  wait_connected "$g" "$r"
  wait_mesh "$r" t1 "$(idof "$p")"
  wait_mesh "$p" t1 "$(idof "$r")"
  wait_match "$g" "o.event == 'scores' && '$(idof "$r")' in o.scores" "scores line listing $r" >/dev/null
  say "$kind gossip-only $g refused $other $r's GRAFT; $r and $p in a mesh"
  deliver "$p" t1 "$g" "$r" "$p: repair via gossip"$'\t'"✓"
  expect_no_mesh "$g"
  # Exactly one GRAFT to G: the relay respected the PRUNE's backoff (js prints the GRAFT lines).
  local grafts
  if [[ $kind == ours ]]; then
    grafts=$(grep -c "\"event\":\"graft\",\"peer_id\":\"$(idof "$g")\"" "$work/$r.out" || true)
  else
    grafts=$(grep -c "\"event\":\"graft\",\"peer_id\":\"$(idof "$r")\"" "$work/$g.out" || true)
  fi
  [[ $grafts == 1 ]] || die "$r sent gossip-only $g $grafts GRAFTs, want 1 (PRUNE backoff ignored?)"
  only_peer "$p" "$r"
  only_peer "$g" "$r"
  say "$kind gossip-only $g (never in a mesh) got $p's message through $other $r's IHAVE"
  stop_all "$p" "$r" "$g"
}

line ours A1 B1 C1
line js A2 B2 C2
repair ours P3 R3 G3
repair js P4 R4 G4

# 4. Injection into our node X5.
start_ours X5 --sub t1
# inject NAME COUNT MODE: NAME's injector sends COUNT messages to X5 (in the background);
# injected_NAME is its `injected` line once check_injected NAME has run.
inject() {
  timeout -k 5 "$limit" node "$js_peer" inject "$addr_X5" --topic t1 --seed "${seed_of[$1]}" --count "$2" \
    --mode "$3" --timeout 20 > "$work/$1.out" 2> "$work/$1.err" &
  printf -v "pid_$1" %s $!
}
check_injected() {
  local pid="pid_$1" line
  wait "${!pid}" || { cat "$work/$1.err" >&2; die "inject $3 failed"; }
  line=$(json_match "$work/$1.out" "o.event == 'injected'")
  [[ $(get "$line" "o.count + ' ' + o.mode + ' ' + o.peer_id") == "$2 $3 $(idof "$1")" ]] || die "inject $3 printed '$line'"
  printf -v "injected_$1" %s "$line"
}
inject good 2 good
inject bad 3 bad-signature
check_injected good 2 good
check_injected bad 3 bad-signature
for i in 1 2; do
  got=$(wait_match X5 "o.event == 'message' && o.data == 'inject-$i'" "injected message $i")
  check_message "$got" t1 "$(idof good)" "{\"id\":\"$(get "$injected_good" "o.ids[$i - 1]")\"}" "inject-$i"
  [[ $(get "$got" o.received_from) == "$(idof good)" ]] || die "injected message $i: received_from $(get "$got" o.received_from)"
done
scored=$(wait_match X5 "o.event == 'scores' && o.scores['$(idof bad)'] < 0" "negative score for the bad-signature injector")
bad_ids=$(get "$injected_bad" 'o.ids.map(i => `"${i}"`).join(",")')
delivered=$(json_match "$work/X5.out" "o.event == 'message' && (o.from == '$(idof bad)' || [$bad_ids].includes(o.id))")
[[ -z $delivered ]] || die "X5 delivered a message with a bad signature: $delivered"
say "into ours: good injection delivered with the injector's ids; 3 bad signatures dropped, injector scored $(get "$scored" "o.scores['$(idof bad)']")"
stop_all X5
check_stopped
say "every node stopped cleanly at stdin EOF"
say "PASS in $((SECONDS - started)) s"
