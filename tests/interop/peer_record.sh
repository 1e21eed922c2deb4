#!/usr/bin/env bash
# Signed peer records across implementations (RFC 0002/0003): js-libp2p's @libp2p/peer-record
# opens and certifies what we seal, we open what js seals, and each refuses the other's envelope
# once a byte of its payload is changed.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
tool=$1
js="$here/js/peer_record.mjs"
seed=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
addrs=(/ip4/127.0.0.1/tcp/4001 /ip4/10.1.2.3/tcp/65535)

ours=$("$tool" seal "$seed" 42 "${addrs[@]}")
ours_hex=$(get "$ours" o.envelope_hex)
opened=$(timeout 60 node "$js" open "$ours_hex")
[[ $(get "$opened" o.seq) == 42 ]] || die "js read seq $(get "$opened" o.seq)"
[[ $(get "$opened" 'o.addrs.join(" ")') == "${addrs[*]}" ]] || die "js read addrs: $opened"
[[ $(get "$opened" o.peer_id) == $(get "$opened" o.signer) ]] || die "js: not the signer's: $opened"
say "js opens ours: $opened"

theirs=$(timeout 60 node "$js" seal "$seed" 43 "${addrs[@]}")
theirs_hex=$(get "$theirs" o.envelope_hex)
opened=$("$tool" open "$theirs_hex")
[[ $(get "$opened" o.seq) == 43 ]] || die "we read seq $(get "$opened" o.seq)"
[[ $(get "$opened" 'o.addrs.join(" ")') == "${addrs[*]}" ]] || die "we read addrs: $opened"
js_id=$(get "$(timeout 60 node "$js" open "$theirs_hex")" o.peer_id)
[[ $(get "$opened" o.peer_id) == "$js_id" ]] || die "peer ids differ: ours $opened, js $js_id"
say "we open js's: $opened"

# The last byte of each envelope is in its signature; flip one in the payload instead (the
# address bytes sit just before the signature field: 66 bytes from the end, in hex digits).
flip() { local h=$1 i=$((${#1} - 140)); printf '%s%x%s' "${h:0:i}" $(( 0x${h:i:1} ^ 1 )) "${h:i+1}"; }
if "$tool" open "$(flip "$theirs_hex")" 2>/dev/null; then die "we opened a tampered js envelope"; fi
if timeout 60 node "$js" open "$(flip "$ours_hex")" >/dev/null 2>&1; then
  die "js opened a tampered envelope of ours"
fi
say "PASS"
