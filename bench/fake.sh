# shellcheck shell=bash
# Sourced by the bench scripts: the exporter and the fake Lotus built into $work, the fake
# started with the arguments of start_fake, and its repos in $lotus_path and $miner_path.
# The fake writes its request counts to $work/fake.err on SIGUSR2 (zeroed on SIGUSR1).

work=$(mktemp -d)
fake_pid=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() { [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

go build -o "$work/lotus-farcaster" .
go build -o "$work/fakelotus" ./bench/fakelotus
mkdir "$work/textfile"

# start_fake ARGS...: the fake Lotus with ARGS, until it says it is ready.
start_fake() {
	"$work/fakelotus" "$@" --home "$work/home" \
		>"$work/fake.out" 2>>"$work/fake.err" & # appending, so the file can be emptied between runs
	fake_pid=$!
	for _ in $(seq 600); do grep -q '^ready' "$work/fake.out" 2>/dev/null && break; sleep 0.1; done
	local ready
	ready=$(grep '^ready' "$work/fake.out") || { echo "fake Lotus did not start:"; cat "$work/fake.err"; exit 1; }
	# shellcheck disable=SC2034 # read by the scripts that source this one
	lotus_path=$(sed -n 's/.*LOTUS_PATH=\([^ ]*\).*/\1/p' <<<"$ready")
	# shellcheck disable=SC2034
	miner_path=$(sed -n 's/.*LOTUS_MINER_PATH=\([^ ]*\).*/\1/p' <<<"$ready")
}

# field NAME: a figure of GNU time's report in $work/time.txt.
field() { sed -n "s/^[[:space:]]*$1: //p" "$work/time.txt"; }
