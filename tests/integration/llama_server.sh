#!/usr/bin/env bash
# The real inference server the worker runs against (scripts/setup-llama): llama.cpp's
# llama-server with the tiny test model answers /health, /v1/models, /v1/completions and
# /v1/chat/completions (SSE too), and at temperature 0 repeats its text exactly, so that worker
# tests can assert it. Usage: llama_server.sh [build/llama]
set -euo pipefail
source "$(dirname "$0")/../interop/lib.sh"
dir=${1:-$(dirname "$0")/../../build/llama}
server=$dir/llama-server
model=$dir/tiny.gguf
[ -x "$server" ] && [ -f "$model" ] || die "no $server or $model: run scripts/setup"

port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
start_bg llama "$server" -m "$model" --host 127.0.0.1 --port "$port" -c 512 --parallel 2 -t 1
base=http://127.0.0.1:$port
for _ in $(seq 200); do
  curl -sf "$base/health" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -sf "$base/health" | grep -q ok || die "llama-server not healthy: $(tail -5 "$work/llama.err")"
curl -sf "$base/v1/models" | grep -q tiny.gguf || die "/v1/models does not list the model"

complete() {
  curl -sf "$base/v1/completions" -H 'Content-Type: application/json' \
    -d '{"model":"tiny","prompt":"Once upon a time","max_tokens":24,"temperature":0}'
}
a=$(complete)
b=$(complete)
text_a=$(node -e 'const o=JSON.parse(process.argv[1]); console.log(o.choices[0].text)' "$a")
text_b=$(node -e 'const o=JSON.parse(process.argv[1]); console.log(o.choices[0].text)' "$b")
[ -n "$text_a" ] || die "empty completion: $a"
[ "$text_a" == "$text_b" ] || die "temperature 0 is not deterministic: '$text_a' vs '$text_b'"
node -e 'const o=JSON.parse(process.argv[1]); if (!(o.usage.completion_tokens > 0)) process.exit(1)' "$a" ||
  die "no usage: $a"

chat=$(curl -sf "$base/v1/chat/completions" -H 'Content-Type: application/json' \
  -d '{"model":"tiny","messages":[{"role":"user","content":"Hi"}],"max_tokens":8,"temperature":0}')
node -e 'const o=JSON.parse(process.argv[1]); if (o.choices[0].message.role !== "assistant") process.exit(1)' "$chat" ||
  die "chat: $chat"
stream=$(curl -sfN "$base/v1/chat/completions" -H 'Content-Type: application/json' \
  -d '{"model":"tiny","messages":[{"role":"user","content":"Hi"}],"max_tokens":8,"temperature":0,"stream":true}')
grep -q '^data: \[DONE\]' <<<"$stream" || die "stream did not end with [DONE]: $stream"
[ "$(grep -c '^data: {' <<<"$stream")" -ge 2 ] || die "stream has too few chunks: $stream"
echo "llama-server ok: '$text_a'"
