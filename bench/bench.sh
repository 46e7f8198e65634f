#!/usr/bin/env bash
# Scale benchmark: the exporter as its own process against the fake Lotus's large scenario.
#
#   bench/bench.sh                    # 100,000 sectors, 200 sealing, 20 workers, 300 jobs, 6 paths
#   SECTORS=1000000 bench/bench.sh    # the same miner with ten times the sectors
#
# Two runs, as cron makes them: the first has no state yet, so it is an hourly refresh run
# (StateMinerSectors and StorageList streamed in full); the second finds the figures kept
# and is an every-minute run. For each it prints wall time, CPU time, peak RSS, series and
# bytes written, and RPC requests by method, and it exits 1 if a target is missed:
#   every-minute run: CPU <= 0.2 s, peak RSS <= 40 MB, requests <= 150 + one per sealing sector
#   refresh run:      CPU <= 5 s,   peak RSS <= 64 MB
#   both:             series <= 5000 (and the same in both runs)
# Needs GNU time (Debian package `time`).
set -euo pipefail
cd "$(dirname "$0")/.."

sectors=${SECTORS:-100000} sealing=${SEALING:-200}
# shellcheck source=bench/fake.sh
. bench/fake.sh
start_fake --scenario large --sectors "$sectors" --sealing "$sealing"

miss=0
check() { if ! awk "BEGIN { exit !($2) }"; then echo "TARGET MISSED: $1"; miss=1; fi; }

# measure NAME MAX_CPU MAX_RSS_MB: one exporter run, its figures and its targets.
measure() {
	local name=$1 max_cpu=$2 max_rss=$3 status=0
	kill -USR1 "$fake_pid" # the fake zeroes its request counts
	sleep 0.2
	/usr/bin/time -v -o "$work/time.txt" env -i HOME="$work/home" LOTUS_PATH="$lotus_path" LOTUS_MINER_PATH="$miner_path" \
		"$work/lotus-farcaster" --textfile-dir "$work/textfile" || status=$?
	kill -USR2 "$fake_pid" # the fake prints its request counts
	for _ in $(seq 50); do grep -q '^end' "$work/fake.err" 2>/dev/null && break; sleep 0.1; done
	local out cpu rss_kb series bytes requests failed
	out=$(ls "$work"/textfile/lotus-*.prom)
	cpu=$(awk -v u="$(field 'User time (seconds)')" -v s="$(field 'System time (seconds)')" 'BEGIN { printf "%.2f", u + s }')
	rss_kb=$(field 'Maximum resident set size (kbytes)')
	series=$(grep -vc '^#' "$out")
	bytes=$(wc -c <"$out")
	requests=$(awk '/^end/ { exit } { n += $3 } END { print n }' "$work/fake.err")
	failed=$(grep -c 'lotus_exporter_collector_success{.*} 0$' "$out" || true)

	echo "== $name run"
	echo "exit status:    $status ($failed collectors failed)"
	echo "wall time:      $(field 'Elapsed (wall clock) time (h:mm:ss or m:ss)')"
	echo "CPU time:       ${cpu} s (user + system)"
	echo "peak RSS:       $((rss_kb / 1024)) MB"
	echo "output:         $series series, $bytes bytes"
	echo "RPC requests:   $requests"
	awk '/^end/ { exit } { print }' "$work/fake.err" | sort -k3,3nr | awk '{ printf "  %-28s %-7s %d\n", $1, $2, $3 }'
	: >"$work/fake.err"

	check "$name run: exit status $status" "$status == 0"
	check "$name run: CPU ${cpu} s > $max_cpu s" "$cpu <= $max_cpu"
	check "$name run: peak RSS $((rss_kb / 1024)) MB > $max_rss MB" "$rss_kb <= $max_rss * 1024"
	check "$name run: series $series > 5000" "$series <= 5000"
	last_series=$series last_requests=$requests
}

echo "scenario:       $sectors proving sectors, $sealing sealing, 20 workers, 300 jobs, 6 storage paths"
measure refresh 5 64
refresh_series=$last_series
measure every-minute 0.2 40
check "every-minute run: RPC requests $last_requests > 150 + $sealing" "$last_requests <= 150 + $sealing"
check "series differ between the runs ($refresh_series, $last_series)" "$refresh_series == $last_series"
exit $miss
