#!/usr/bin/env bash
# Our host dials a real js-libp2p node: noise + yamux + identify + ping, each side sees the
# other's peer id and protocols, and 100 concurrent yamux streams each echo 1 MiB intact.
# Usage: ours_dials_js.sh PATH/TO/aipg
set -euo pipefail
source "$(dirname "$0")/lib.sh"
aipg=$1

"$aipg" keygen --out "$work/our.key" > "$work/our.id"
our_id=$(cat "$work/our.id")

start_bg js node "$js_peer" listen --seed "$(printf '%063d2' 0)" --port 0 --timeout 60
js=$bg_pid
wait_line js listening
js_addr=$(json_field "$work/js.out" listening 'o.addrs[0]')
js_id=$(json_field "$work/js.out" listening 'o.peer_id')
say "js listener $js_id at $js_addr"

# 1. identify + ping
timeout -k 5 "$limit" "$aipg" ping "$js_addr" --key "$work/our.key" --count 3 > "$work/ping.out" \
  || { cat "$work/ping.out"; die "aipg ping failed"; }
cat "$work/ping.out"
[[ $(json_field "$work/ping.out" identify o.peer_id) == "$js_id" ]] || die "identify: wrong peer id"
[[ $(json_field "$work/ping.out" identify 'o.agent.startsWith("js-libp2p/")') == true ]] \
  || die "identify: agent is not js-libp2p"
for p in /ipfs/id/1.0.0 /ipfs/ping/1.0.0 /aipg/echo/1.0.0 /perf/1.0.0; do
  [[ $(json_field "$work/ping.out" identify "o.protocols.includes('$p')") == true ]] \
    || die "identify: js does not list $p"
done
[[ $(grep -c '"event":"ping"' "$work/ping.out") == 3 ]] || die "expected 3 ping lines"
# js's signed peer record opened and checked on our side: the address we dialled, vouched for.
[[ $(json_field "$work/ping.out" identify "o.signed_peer_record.addrs.includes('${js_addr%/p2p/*}')") \
  == true ]] || die "we took no signed peer record of js with $js_addr"

# 2. 100 concurrent streams x 1 MiB echo
timeout -k 5 "$limit" "$aipg" echo "$js_addr" --key "$work/our.key" --streams 100 \
  --bytes 1048576 --timeout 30 > "$work/echo.out" || { cat "$work/echo.out"; die "aipg echo failed"; }
cat "$work/echo.out"
[[ $(json_field "$work/echo.out" echo o.ok) == true ]] || die "echo did not report ok"

# 3. js identified us correctly
grep -q "\"event\":\"peer\",\"peer_id\":\"$our_id\"" "$work/js.out" \
  || die "js printed no peer line for us ($our_id)"
line=$(grep "\"peer_id\":\"$our_id\"" "$work/js.out" | head -1)
for want in '"agent":"aipg/0.1.0"' '"/ipfs/id/1.0.0"' '"/ipfs/ping/1.0.0"'; do
  [[ $line == *"$want"* ]] || die "js's view of us lacks $want: $line"
done

stop_bg "$js" js
say "PASS"
