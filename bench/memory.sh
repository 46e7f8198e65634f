#!/usr/bin/env bash
# Memory benchmark: the exporter as its own process against a fake Lotus whose every answer
# read whole is just under the client's bounds (bench/fakelotus --huge).
#
#   bench/memory.sh
#
# Each method the exporter reads whole answers lotusapi.MaxResponseBytes (16 MiB) less a KiB:
# the usual answer of the small scenario padded with white space, so the run goes on as
# usual, or, for SectorsStatus, NetPeers, WorkerStats and StateMinerPartitions, lists filled
# up to lotusapi.MaxResponseValues JSON values, then padded. Two runs, as cron makes them (an
# hourly refresh run, then an every-minute one); for each it prints wall time, CPU time, peak
# RSS, requests and the collectors that failed (those refusing an implausible answer), and
# it exits 1 if a run's peak RSS is over the bound README states (Scale): 300 MB.
# Needs GNU time (Debian package `time`).
set -euo pipefail
cd "$(dirname "$0")/.."

max_rss_mb=300
# shellcheck source=bench/fake.sh
. bench/fake.sh
start_fake --scenario small --huge

miss=0

echo "scenario:       small, every answer read whole just under 16 MiB (lists: under 262,144 JSON values)"
for name in refresh every-minute; do
	status=0
	kill -USR1 "$fake_pid" # the fake zeroes its request counts
	sleep 0.2
	# A generous --timeout: the run must read every answer to be measured, on a slow machine too.
	/usr/bin/time -v -o "$work/time.txt" env -i HOME="$work/home" LOTUS_PATH="$lotus_path" LOTUS_MINER_PATH="$miner_path" \
		"$work/lotus-farcaster" --textfile-dir "$work/textfile" --timeout 150s 2>"$work/stderr.txt" || status=$?
	kill -USR2 "$fake_pid" # the fake prints its request counts
	for _ in $(seq 50); do grep -q '^end' "$work/fake.err" 2>/dev/null && break; sleep 0.1; done
	out=$(ls "$work"/textfile/lotus-*.prom)
	cpu=$(awk -v u="$(field 'User time (seconds)')" -v s="$(field 'System time (seconds)')" 'BEGIN { printf "%.1f", u + s }')
	rss_kb=$(field 'Maximum resident set size (kbytes)')
	requests=$(awk '/^end/ { exit } { n += $3 } END { print n }' "$work/fake.err")
	failed=$(sed -n 's/^lotus_exporter_collector_success{collector="\([a-z]*\)".*} 0$/\1/p' "$out" | paste -sd, -)
	: >"$work/fake.err"

	echo "== $name run"
	echo "exit status:    $status (collectors failed: ${failed:-none})"
	echo "wall time:      $(field 'Elapsed (wall clock) time (h:mm:ss or m:ss)')"
	echo "CPU time:       ${cpu} s (user + system)"
	echo "peak RSS:       $((rss_kb / 1024)) MB"
	echo "RPC requests:   $requests"
	if [ "$status" -gt 1 ]; then
		echo "TARGET MISSED: $name run: exit status $status, file not written"
		cat "$work/stderr.txt"
		miss=1
	fi
	if [ "$rss_kb" -gt $((max_rss_mb * 1024)) ]; then
		echo "TARGET MISSED: $name run: peak RSS $((rss_kb / 1024)) MB > $max_rss_mb MB"
		miss=1
	fi
done
exit $miss
