#!/usr/bin/env bash
# Scale benchmark: one exporter run against the fake Lotus's large scenario, measured as its own process.
#
#   bench/bench.sh                    # 100,000 sectors, 200 sealing, 20 workers, 300 jobs, 6 paths
#   SECTORS=1000000 bench/bench.sh    # the same miner with ten times the sectors
#
# It prints wall time, CPU time, peak RSS, output series and bytes, and RPC requests by
# method, and exits 1 if a target is missed: requests <= 150 + one per sealing sector,
# series <= 5000, peak RSS <= 100 MB, CPU <= 1 s. Needs GNU time (Debian package `time`).
set -euo pipefail
cd "$(dirname "$0")/.."

sectors=${SECTORS:-100000} sealing=${SEALING:-200}
work=$(mktemp -d)
fake_pid=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() { [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

go build -o "$work/lotus-farcaster" .
go build -o "$work/fakelotus" ./bench/fakelotus
"$work/fakelotus" --scenario large --sectors "$sectors" --sealing "$sealing" --home "$work/home" \
	>"$work/fake.out" 2>"$work/fake.err" &
fake_pid=$!
for _ in $(seq 100); do grep -q '^ready' "$work/fake.out" 2>/dev/null && break; sleep 0.1; done
ready=$(grep '^ready' "$work/fake.out") || { echo "fake Lotus did not start:"; cat "$work/fake.err"; exit 1; }
lotus_path=$(sed -n 's/.*LOTUS_PATH=\([^ ]*\).*/\1/p' <<<"$ready")
miner_path=$(sed -n 's/.*LOTUS_MINER_PATH=\([^ ]*\).*/\1/p' <<<"$ready")

status=0
/usr/bin/time -v -o "$work/time.txt" env -i HOME="$work/home" LOTUS_PATH="$lotus_path" LOTUS_MINER_PATH="$miner_path" \
	"$work/lotus-farcaster" --output "$work/out.prom" || status=$?
kill -INT "$fake_pid"; wait "$fake_pid" || true; fake_pid=

field() { sed -n "s/^[[:space:]]*$1: //p" "$work/time.txt"; }
cpu=$(awk -v u="$(field 'User time (seconds)')" -v s="$(field 'System time (seconds)')" 'BEGIN { printf "%.2f", u + s }')
rss_kb=$(field 'Maximum resident set size (kbytes)')
series=$(grep -vc '^#' "$work/out.prom")
bytes=$(wc -c <"$work/out.prom")
requests=$(awk '{ n += $3 } END { print n }' "$work/fake.err")
failed=$(grep -c 'lotus_exporter_collector_success{.*} 0$' "$work/out.prom" || true)

echo "scenario:       $sectors proving sectors, $sealing sealing, 20 workers, 300 jobs, 6 storage paths"
echo "exit status:    $status ($failed collectors failed; the large scenario has one unreachable storage path)"
echo "wall time:      $(field 'Elapsed (wall clock) time (h:mm:ss or m:ss)')"
echo "CPU time:       ${cpu} s (user + system)"
echo "peak RSS:       $((rss_kb / 1024)) MB"
echo "output:         $series series, $bytes bytes"
echo "RPC requests:   $requests"
sort -k3,3nr "$work/fake.err" | awk '{ printf "  %-28s %-7s %d\n", $1, $2, $3 }'

miss=0
check() { if ! awk "BEGIN { exit !($2) }"; then echo "TARGET MISSED: $1"; miss=1; fi; }
check "RPC requests $requests > 150 + $sealing" "$requests <= 150 + $sealing"
check "series $series > 5000" "$series <= 5000"
check "peak RSS $((rss_kb / 1024)) MB > 100 MB" "$rss_kb <= 102400"
check "CPU ${cpu} s > 1 s" "$cpu <= 1"
exit $miss
