#!/usr/bin/env bash
# Known answers across implementations: for several seeds, the peer id js-libp2p derives equals
# the one we derive from a key file holding the same key (which our key-file reader also checks
# for consistency).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
aipg=$1

for seed in $(printf '%063d1' 0) $(printf 'ab%.0s' {1..32}) $(od -An -tx1 -N32 /dev/urandom | tr -d ' \n') \
            $(od -An -tx1 -N32 /dev/urandom | tr -d ' \n'); do
  out=$(timeout 60 node "$js_peer" peerid --seed "$seed")
  js_id=$(get "$out" o.peer_id)
  pub=$(get "$out" o.public_key_protobuf_hex)
  our_key_file "$seed" "$pub" "$work/k"
  ours=$("$aipg" id --key "$work/k")
  [[ $ours == "$js_id" ]] || die "seed $seed: js says $js_id, we say $ours"
  say "seed ${seed:0:8}…: $ours"
done
say "PASS"
