# Helpers for the gossipsub scripts (sourced after lib.sh): identities known independently of
# the code under test, and checks of the JSON lines that `peer.mjs gossip` and `aipg pubsub`
# share (message, published, scores).

# seed N: a 32-byte hex seed (N < 256 in its last byte), for reproducible identities.
seed() { printf '%062d%02x' 0 "$1"; }

# identity NAME SEED [NAME SEED]...: js's view of the Ed25519 key with each seed (one js
# `peerid` for all). Sets id_NAME (its peer id) and mh_of[id] (go's message-id prefix for that
# author: 0x00 0x24, the identity multihash of 36 bytes, ‖ the public-key protobuf), and writes
# $work/NAME.key, the same key as our key file (`aipg pubsub --key`), so our nodes' peer ids
# and message ids are checked against js's derivation, not our own.
declare -gA mh_of=()
identity() {
  local args=("$@") seeds=() lines=() i id pub
  for ((i = 1; i < ${#args[@]}; i += 2)); do seeds+=("${args[i]}"); done
  mapfile -t lines < <(timeout -k 5 60 node "$js_peer" peerid --seed "${seeds[@]}")
  [[ ${#lines[@]} == "${#seeds[@]}" ]] || die "js peerid printed ${#lines[@]} lines for ${#seeds[@]} seeds"
  for ((i = 0; i < ${#seeds[@]}; i++)); do
    read -r id pub < <(get "${lines[i]}" 'o.peer_id + " " + o.public_key_protobuf_hex')
    printf -v "id_${args[2 * i]}" %s "$id"
    mh_of[$id]=0024$pub
    our_key_file "${seeds[i]}" "$pub" "$work/${args[2 * i]}.key"
  done
}

# check_message LINE TOPIC FROM PUBLISHED DATA: a received `message` line against the
# sender's `published` line, the data sent and go's message-id definition (from ‖ seqno).
# DATA is compared with `data`, or with the base64 of DATA when the line has `data_base64`
# (both implementations use base64 for bytes that are not printable UTF-8).
check_message() {
  local topic from id seqno b64 data want_id what="message '${5:0:40}'"
  { read -r topic; read -r from; read -r id; read -r seqno; read -r b64; IFS= read -r data; } < <(get "$1" \
    '[o.topic, o.from, o.id, o.seqno, o.data_base64 ?? "-", o.data ?? ""].join("\n")')
  want_id=$(get "$4" o.id)
  [[ $topic == "$2" ]] || die "$what: topic $topic, want $2"
  [[ $from == "$3" ]] || die "$what: from $from, want $3"
  [[ $id == "$want_id" ]] || die "$what: id $id, published as $want_id"
  [[ $seqno =~ ^[0-9a-f]{16}$ ]] || die "$what: seqno $seqno is not 16 hex digits"
  [[ -n ${mh_of[$3]:-} ]] || die "$what: no known multihash for $3"
  [[ $id == "${mh_of[$3]}$seqno" ]] || die "$what: id $id is not from-multihash ‖ seqno"
  if [[ $b64 != - ]]; then
    [[ $b64 == "$(printf %s "$5" | base64 -w0)" ]] || die "$what: data_base64 $b64 is not the data sent"
  else
    [[ $data == "$5" ]] || die "$what: data '$data' is not the data sent"
  fi
}

# wait_mesh NAME TOPIC PEER...: waits (15 s) for a `scores` line of NAME whose mesh for
# TOPIC holds every PEER.
wait_mesh() {
  local name=$1 topic=$2
  shift 2
  local peers
  peers=$(printf "'%s'," "$@")
  wait_match "$name" "o.event == 'scores' && [${peers%,}].every(p => (o.mesh['$topic'] ?? []).includes(p))" \
    "mesh on $topic with $*" 15 >/dev/null
}

# expect_no_mesh NAME: no `scores` line of NAME ever showed a mesh peer (gossip-only node).
expect_no_mesh() {
  [[ -z $(json_match "$work/$1.out" "o.event == 'scores' && Object.values(o.mesh).some(m => m.length > 0)") ]] \
    || die "gossip-only $1 had a mesh peer: $(json_match "$work/$1.out" "o.event == 'scores' && Object.values(o.mesh).some(m => m.length > 0)")"
}
