#!/usr/bin/env bash
# A real js-libp2p node dials our host: noise + yamux + identify + ping, each side sees the
# other's peer id and protocols, and 100 concurrent yamux streams each echo 1 MiB intact.
# Usage: js_dials_ours.sh PATH/TO/aipg
set -euo pipefail
source "$(dirname "$0")/lib.sh"
aipg=$1

"$aipg" keygen --out "$work/our.key" > "$work/our.id"
our_id=$(cat "$work/our.id")
js_seed=$(printf '%063d3' 0)
js_id=$(timeout 60 node "$js_peer" peerid --seed "$js_seed" \
  | node -e 'process.stdin.on("data", d => console.log(JSON.parse(d).peer_id))')

start_bg ours "$aipg" listen --key "$work/our.key" --listen /ip4/127.0.0.1/tcp/0 --echo
ours=$bg_pid
wait_line ours listening
addr=$(json_field "$work/ours.out" listening 'o.addrs[0]')
[[ $(json_field "$work/ours.out" listening o.peer_id) == "$our_id" ]] || die "listening: wrong peer id"
say "our listener $our_id at $addr"

timeout -k 5 "$limit" node "$js_peer" dial "$addr" --seed "$js_seed" --streams 100 \
  --bytes 1048576 --expect-peer "$our_id" --timeout 60 \
  --expect-protocols /ipfs/id/1.0.0,/ipfs/ping/1.0.0,/aipg/echo/1.0.0,/perf/1.0.0 \
  > "$work/dial.out" || { cat "$work/dial.out"; cat "$work/ours.err" >&2; die "js dial failed"; }
cat "$work/dial.out"
[[ $(json_field "$work/dial.out" done o.ok) == true ]] || die "js printed no done line"
[[ $(json_field "$work/dial.out" peer 'o.agent') == aipg/0.1.0 ]] || die "js saw the wrong agent"
# js opened and certified our signed peer record: the address it dialled, vouched for by us.
[[ $(json_field "$work/dial.out" peer "o.signed_peer_record.addrs.includes('${addr%/p2p/*}')") == true ]] \
  || die "js took no signed peer record of ours with $addr"

# Our side identified js.
for ((i = 0; i < 50; i++)); do
  [[ $(json_field "$work/ours.out" peer o.peer_id) == "$js_id" ]] && break
  sleep 0.1
done
[[ $(json_field "$work/ours.out" peer o.peer_id) == "$js_id" ]] || die "we printed no peer line for js"
[[ $(json_field "$work/ours.out" peer 'o.agent.startsWith("js-libp2p/")') == true ]] \
  || die "our view of js: agent is not js-libp2p"
for p in /ipfs/id/1.0.0 /ipfs/ping/1.0.0 /aipg/echo/1.0.0; do
  [[ $(json_field "$work/ours.out" peer "o.protocols.includes('$p')") == true ]] \
    || die "our view of js lacks $p"
done

stop_bg "$ours" ours
grep -q '"event":"stopped"' "$work/ours.out" || die "our listener printed no stopped line"
say "PASS"
