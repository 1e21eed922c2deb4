#!/usr/bin/env bash
# Writes the seeds of grid_message_fuzz (one valid message per body, a replay, a newer version,
# two topic strings) with protoc from proto/grid.proto. sent_ms is the fuzz target's fixed clock.
set -euo pipefail
cd "$(dirname "$0")"
out=seeds/grid_message_fuzz
mkdir -p "$out"
enc() { protoc -I../../proto --encode=aipg.pb.grid.GridMessage ../../proto/grid.proto >"$out/$1"; }
head='version: 1 sent_ms: 1700000000000'
j='job_id: "jjjjjjjjjjjjjjjj"'
peer() { printf '\\x12\\x20'; for _ in $(seq 32); do printf '\\x%02x' "$1"; done; }

enc announce <<<"$head announce { $j nonce: \"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn\"
  origin: \"$(peer 7)\" model: \"org/model:7b\" prompt: \"Once upon a time\"
  params { max_length: 512 max_context_length: 4096 temperature: 0.7 stop_sequence: \"###\"
           seed: 42 }
  n: 2 created_ms: 1700000000000 ttl_ms: 600000 claim_window_ms: 1000 lease_ms: 120000
  max_attempts: 3 attempt: 1 excluded: \"$(peer 9)\" }"
enc claim <<<"$head claim { $j attempt: 2 }"
enc cancel <<<"$head cancel { $j reason: \"client went away\" }"
enc result <<<"$head result { $j attempt: 0 generation: 1 text: \"The end.\" model: \"llama3:8b\"
  seed: 7 tokens: 3 finish_reason: \"stop\" started_ms: 1699999999000
  finished_ms: 1700000000000 }"
enc failed <<<"$head failed { $j attempt: 1 generation: 0 reason: \"backend timed out\" }"
enc worker_advert <<<"$head worker_advert {
  models { name: \"org/model:7b\" max_length: 4096 max_context_length: 8192 }
  models { name: \"llama3:8b\" } slots_total: 4 slots_free: 2 healthy: true
  backend_kind: \"ollama\" version: \"0.1\" name: \"worker one\" advert_interval_ms: 5000 }"
enc node_advert <<<"$head node_advert { http_url: \"https://grid.example.org\" version: \"0.1\"
  open_jobs: 3 advert_interval_ms: 5000 }"
# A pubsub Message with a topic and data but no signature: it parses, then fails the check.
enc replay <<<"$head replay { messages: \"\\x0a\\x02ab\\x12\\x03xyz\\x22\\x0eaipg/1/results\" }"
enc future_version <<<'version: 2 sent_ms: 1700000000000'
printf 'org/model:7b' >"$out/topic_model"
printf 'aipg/1/jobs/org%%2Fmodel%%20x' >"$out/topic_encoded"
