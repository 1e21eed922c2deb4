#!/usr/bin/env bash
# The aipg command line as an operator meets it: keygen/id, key-file errors, the TOML config
# file (every flag has a key; a misspelt key is an error), bad multiaddrs, --version.
# Usage: cli.sh PATH/TO/aipg
set -euo pipefail
source "$(dirname "$0")/../interop/lib.sh"
aipg=$1

"$aipg" --version | grep -q '^aipg 0\.' || die "--version"

# keygen writes a 0600 key and prints its id; id reads it back; keygen refuses to overwrite.
id=$("$aipg" keygen --out "$work/k")
[[ $id == 12D3KooW* ]] || die "keygen printed '$id'"
[[ $(stat -c %a "$work/k") == 600 ]] || die "key file mode is $(stat -c %a "$work/k")"
[[ $("$aipg" id --key "$work/k") == "$id" ]] || die "id does not match keygen"
if "$aipg" keygen --out "$work/k" 2> "$work/err"; then die "keygen overwrote a key"; fi
grep -q "File exists" "$work/err" || die "keygen overwrite error: $(cat "$work/err")"

# A damaged key file is refused with a message naming the file.
head -c 10 "$work/k" > "$work/bad"
if "$aipg" id --key "$work/bad" 2> "$work/err"; then die "id accepted a truncated key"; fi
grep -q "key file $work/bad" "$work/err" || die "bad key error: $(cat "$work/err")"

# The config file: flags as keys, a subcommand's in its table.
cat > "$work/aipg.toml" <<TOML
log-level = "warn"
[listen]
key = "$work/k"
listen = ["/ip4/127.0.0.1/tcp/0"]
echo = true
TOML
start_bg cfg "$aipg" --config "$work/aipg.toml" listen
wait_line cfg listening
[[ $(json_field "$work/cfg.out" listening o.peer_id) == "$id" ]] || die "config: key not used"
[[ -s $work/cfg.err ]] && die "config: log-level warn not applied: $(cat "$work/cfg.err")"
stop_bg "$bg_pid" cfg

printf '[listen]\nlisten = ["/ip4/127.0.0.1/tcp/0"]\nlistne = 1\n' > "$work/typo.toml"
if timeout 10 "$aipg" --config "$work/typo.toml" listen > /dev/null 2> "$work/err"; then
  die "a misspelt config key was accepted"
fi
grep -q "listne" "$work/err" || die "typo error does not name the key: $(cat "$work/err")"

# Bad addresses are refused with the component named, before anything starts.
if "$aipg" listen --listen /ip4/127.0.0.1/tcp/70000 2> "$work/err"; then die "port 70000 accepted"; fi
grep -q "70000" "$work/err" || die "bad port error: $(cat "$work/err")"
if "$aipg" listen --listen /ip4/127.0.0.1/tcp/0 --bootstrap /ip4/127.0.0.1/tcp/1 2> "$work/err"; then
  die "bootstrap without /p2p/ accepted"
fi
grep -q "/p2p/" "$work/err" || die "bootstrap error: $(cat "$work/err")"
if "$aipg" ping /ip4/127.0.0.1/tcp/1 --timeout 2 > "$work/out" 2> "$work/err"; then
  die "ping to a closed port succeeded"
fi
[[ $(json_field "$work/out" error 'o.message.startsWith("connect:")') == true ]] || die "ping error line"
say "PASS"
