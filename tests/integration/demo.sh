#!/usr/bin/env bash
# `aipg demo` on the test backend: the whole grid (bootstrap, two API nodes, two workers) as
# child processes, three jobs done by named workers, a clean exit; Ctrl-C stops every child;
# a demo killed outright leaves no orphans (PR_SET_PDEATHSIG); bad flags are refused.
# Usage: demo.sh PATH/TO/aipg
set -euo pipefail
source "$(dirname "$0")/../interop/lib.sh"
aipg=$1
dirs=()
trap 'cleanup; for d in "${dirs[@]}"; do rm -rf "$d"; done' EXIT

# The demo's log directory, from its last line or its "logs in" line.
log_dir() { sed -n 's/.*logs in \(\/tmp\/aipg-demo-[A-Za-z0-9]*\).*/\1/p; s/.*Logs are kept in \(.*\)$/\1/p' "$1" | head -1; }
# The processes whose command line names the demo's directory: its children.
children_of() { pgrep -f -- "$1" || true; }
wait_no_children() {
  local i
  for ((i = 0; i < 150; i++)); do
    [[ -z $(children_of "$1") ]] && return 0
    sleep 0.1
  done
  die "$2: processes left behind: $(ps -o pid,args -p "$(children_of "$1" | paste -sd,)")"
}

# 1. Three jobs, --exit-when-done: exit 0, each result names the worker that ran it.
status=0
timeout -k 5 150 "$aipg" demo --backend test --jobs 3 --exit-when-done > "$work/run.out" 2> "$work/run.err" || status=$?
dir=$(log_dir "$work/run.out")
[[ -n $dir ]] && dirs+=("$dir")
[[ $status == 0 ]] || { cat "$work/run.out" "$work/run.err" >&2; die "demo exited with $status"; }
done_lines=$(grep -cE '^job [0-9]+ done by demo-worker-[12] in [0-9]+ ms' "$work/run.out" || true)
[[ $done_lines == 3 ]] || { cat "$work/run.out" >&2; die "expected 3 results with a worker, got $done_lines"; }
grep -q 'OpenAI chat completion' "$work/run.out" || die "no OpenAI job in the output"
grep -q '^    answer: echo(demo/echo@demo-worker-' "$work/run.out" || die "no test-backend answer"
grep -q 'All 3 job(s) done' "$work/run.out" || die "no summary line"
[[ -d $dir && -s $dir/node-a.err && -s $dir/demo-worker-1.err ]] || die "no child logs in '$dir'"
wait_no_children "$dir" "after --exit-when-done"
say "exit-when-done: 3 jobs, workers named, children gone"

# 2. Without --exit-when-done it stays up, prints the examples, and Ctrl-C stops it cleanly.
"$aipg" demo --backend test --jobs 1 > "$work/int.out" 2> "$work/int.err" &
pid=$!
children+=("$pid")
for ((i = 0; i < 300; i++)); do
  grep -q 'runs until Ctrl-C' "$work/int.out" && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/int.out" "$work/int.err" >&2; die "demo ended early"; }
  sleep 0.1
done
grep -q 'runs until Ctrl-C' "$work/int.out" || die "the demo never came up"
dir=$(log_dir "$work/int.out")
dirs+=("$dir")
grep -q 'base_url="http://127.0.0.1:[0-9]*/v1"' "$work/int.out" || die "no python snippet"
grep -q "curl -s http://127.0.0.1:[0-9]*/v1/chat/completions" "$work/int.out" || die "no curl example"
[[ $(children_of "$dir" | wc -l) == 5 ]] || die "expected 5 children, found: $(children_of "$dir")"
kill -INT "$pid"
wait_gone "$pid" 15 || die "demo did not stop within 15 s of SIGINT"
status=0
wait "$pid" || status=$?
[[ $status == 0 ]] || { cat "$work/int.out" "$work/int.err" >&2; die "SIGINT: exit $status"; }
grep -q '^Stopped\.' "$work/int.out" || die "no Stopped line"
grep -q 'did not stop' "$work/int.out" && die "a child had to be killed: $(cat "$work/int.out")"
wait_no_children "$dir" "after SIGINT"
say "Ctrl-C: every child stopped"

# 3. Killed outright (SIGKILL: no handler runs), its children still end.
"$aipg" demo --backend test --jobs 1 > "$work/kill.out" 2> "$work/kill.err" &
pid=$!
children+=("$pid")
for ((i = 0; i < 300; i++)); do
  grep -q 'runs until Ctrl-C' "$work/kill.out" && break
  sleep 0.1
done
dir=$(log_dir "$work/kill.out")
[[ -n $dir ]] || die "no log dir in: $(cat "$work/kill.out")"
dirs+=("$dir")
[[ -n $(children_of "$dir") ]] || die "no children to orphan"
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
wait_no_children "$dir" "after SIGKILL of the demo"
say "SIGKILL: no orphans"

# 4. Bad input: a clear message and exit code 2, nothing started.
for bad in "--backend nonsense" "--backend openai=ftp://x" "--backend ollama"; do
  status=0
  # shellcheck disable=SC2086
  "$aipg" demo $bad --exit-when-done > "$work/bad.out" 2> "$work/bad.err" || status=$?
  [[ $status == 2 ]] || die "demo $bad: exit $status: $(cat "$work/bad.err")"
  grep -q 'aipg demo: .*--backend\|URL' "$work/bad.err" || die "demo $bad: $(cat "$work/bad.err")"
  d=$(log_dir "$work/bad.out")
  [[ -n $d ]] && dirs+=("$d")
done
say "PASS"
