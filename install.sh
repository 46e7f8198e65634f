#!/usr/bin/env bash
# install.sh: install lotus-farcaster on a Filecoin storage provider's host, or remove it.
#
#   curl -fsSL https://github.com/lotus-farcaster/lotus-farcaster/releases/latest/download/install.sh | sudo bash
#   curl -fsSL .../install.sh | sudo bash -s -- --systemd      # options after "bash -s --"
#   sudo ./install.sh [options]                                # from a checkout or an unpacked release
#
# 1. Get the binary: the release for this machine, verified against the release's SHA256SUMS
#    (or --binary, --from-source, or the one beside this script in an unpacked release).
# 2. Ask it about the host: `lotus-farcaster --host-info lines` names the lotus user, its
#    lotus-miner repos and their miner IDs, node_exporter's textfile folder, whether systemd
#    and cron run, and where a job's error lines can go. This script detects nothing itself.
# 3. Decide, and refuse before changing anything when the host would not run the job.
# 4. Change the host: the binary, write access to the textfile folder, the cron file or the
#    systemd units, a log file and its rotation when nothing takes syslog lines. Each change is
#    one line of output and is recorded in /var/lib/lotus-farcaster/installed, so a re-run
#    changes only what differs and --uninstall removes exactly that (and what the exporter wrote).
# 5. Run `lotus-farcaster --check` as the lotus user and show its verdict.
# Needs bash 4.4 or newer, coreutils, diffutils, and curl or wget.
set -euo pipefail
export LC_ALL=C
umask 022

readonly PROGRAM=lotus-farcaster
readonly MANIFEST=/var/lib/lotus-farcaster/installed
readonly CRON_FILE=/etc/cron.d/lotus-farcaster
readonly UNIT_DIR=/etc/systemd/system
readonly WANTS_DIR=/etc/systemd/system/timers.target.wants
readonly PACKAGE_UNIT_DIR=/usr/lib/systemd/system
readonly LOG_DIR=/var/log/lotus-farcaster
readonly LOG_FILE=/var/log/lotus-farcaster/lotus-farcaster.log
readonly LOGROTATE_FILE=/etc/logrotate.d/lotus-farcaster

usage() {
	cat <<'EOF'
Usage: install.sh [options]
       curl -fsSL https://github.com/lotus-farcaster/lotus-farcaster/releases/latest/download/install.sh | sudo bash -s -- [options]

Installs lotus-farcaster and runs it every minute as the lotus user, one job per lotus-miner
repo, writing into node_exporter's textfile folder; all of them as `lotus-farcaster
--host-info` finds them unless an option says otherwise. Run it again to update.
Details: docs/install.md.

  --version VERSION    release to download, like v1.2.3 (default: latest)
  --base-url URL       releases URL (default: https://github.com/lotus-farcaster/lotus-farcaster/releases)
  --binary PATH        install this binary instead (left in place if it already is PREFIX/bin/lotus-farcaster)
  --from-source        build with the local Go toolchain from this checkout
  --prefix DIR         install to DIR/bin/lotus-farcaster (default: /usr/local)
  --user NAME          the lotus user
  --miner-repo DIR     a lotus-miner repo to export; repeat for several
  --miner ID[,ID...]   daemon-only mode (Curio, or no lotus-miner): one job reading these miners from the daemon
  --textfile-dir DIR   node_exporter's textfile folder
  --cron               run it from /etc/cron.d/lotus-farcaster (default when a cron daemon runs)
  --systemd            run it from a systemd timer (default when systemd is PID 1 and no cron
                       daemon runs); refused when systemd is not PID 1
  --no-check           do not run `lotus-farcaster --check` at the end
  --uninstall          remove what earlier runs installed, and every file the exporter wrote
  --keep-data          with --uninstall: keep the exporter's counters and state and the job's
                       log, until an --uninstall without it (the .deb's remove, then purge)
  --dry-run            print what would be done; change nothing
  --root DIR           for tests and packaging: the host's files are under DIR, its processes
                       in DIR/proc; the files written still name the paths without DIR

Exit status: 0 done and the check passed, 1 error (nothing changed if it came before the first
change), 2 usage error, 3 installed but `lotus-farcaster --check` reported a problem.
EOF
}

# ---------------------------------------------------------------- options

ROOT=""
PREFIX=/usr/local
BINARY=""
FROM_SOURCE=0
VERSION=latest
BASE_URL=https://github.com/lotus-farcaster/lotus-farcaster/releases
LOTUS_USER=""
MINER_REPOS=()
MINER_IDS=""
TEXTFILE_DIR=""
SCHEDULER=""
RUN_CHECK=1
UNINSTALL=0
KEEP_DATA=0
DRY_RUN=0

usage_error() {
	printf 'install.sh: %s (see --help)\n' "$*" >&2
	exit 2
}

parse_args() {
	local opt val p
	while (($#)); do
		opt=$1 val=""
		[[ $opt != --*=* ]] || val=${opt#*=} opt=${opt%%=*}
		case $opt in
		--version | --base-url | --binary | --prefix | --user | --miner-repo | --miner | --textfile-dir | --root)
			if [[ $1 == "$opt" ]]; then
				(($# >= 2)) || usage_error "$opt needs a value"
				val=$2
				shift
			fi
			[[ -n $val ]] || usage_error "$opt needs a value"
			;;
		esac
		case $opt in
		--version) VERSION=$val ;;
		--base-url) BASE_URL=${val%/} ;;
		--binary) BINARY=$val ;;
		--from-source) FROM_SOURCE=1 ;;
		--prefix) PREFIX=${val%/} ;;
		--user) LOTUS_USER=$val ;;
		--miner-repo) MINER_REPOS+=("${val%/}") ;;
		--miner) MINER_IDS=$val ;;
		--textfile-dir) TEXTFILE_DIR=${val%/} ;;
		--cron) SCHEDULER=cron ;;
		--systemd) SCHEDULER=systemd ;;
		--no-check) RUN_CHECK=0 ;;
		--uninstall) UNINSTALL=1 ;;
		--keep-data) KEEP_DATA=1 ;;
		--dry-run) DRY_RUN=1 ;;
		--root) ROOT=${val%/} ;;
		-h | --help)
			usage
			exit 0
			;;
		*) usage_error "unknown option $1" ;;
		esac
		shift
	done
	[[ -z $BINARY || $FROM_SOURCE == 0 ]] || usage_error "--binary and --from-source exclude each other"
	[[ $KEEP_DATA == 0 || $UNINSTALL == 1 ]] || usage_error "--keep-data goes with --uninstall"
	[[ -z $MINER_IDS || ${#MINER_REPOS[@]} == 0 ]] || usage_error "--miner and --miner-repo exclude each other"
	if [[ -n $ROOT ]]; then
		[[ -d $ROOT ]] || usage_error "--root $ROOT is not a folder"
		ROOT=$(cd "$ROOT" && pwd -P)
	fi
	[[ $VERSION == latest || $VERSION == v* ]] || VERSION=v$VERSION
	for p in "$PREFIX" "$TEXTFILE_DIR" "${MINER_REPOS[@]}"; do
		[[ -z $p ]] || safe_path "$p" || usage_error "$p: give an absolute path of letters, digits and ._/@+-"
	done
}

# ---------------------------------------------------------------- messages and paths

say() { printf '%s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

# How to take it away again: the package's users are told apt's commands, since a
# --uninstall behind dpkg's back would leave the package installed but not scheduled.
# dpkg and dpkg-reconfigure set DPKG_MAINTSCRIPT_PACKAGE for the maintainer scripts.
PACKAGED=0 REMOVE_HOW="install.sh --uninstall" REMOVE_ALL="install.sh --uninstall"
WRITTEN_BY="Written by lotus-farcaster's install.sh; re-run it to update, or remove with install.sh --uninstall."
if [[ ${DPKG_MAINTSCRIPT_PACKAGE:-} == "$PROGRAM" ]]; then
	PACKAGED=1 REMOVE_HOW="apt remove $PROGRAM" REMOVE_ALL="apt purge $PROGRAM"
	WRITTEN_BY="Written by the $PROGRAM package for this host (options: /etc/default/$PROGRAM, then dpkg-reconfigure $PROGRAM); remove with apt remove $PROGRAM."
fi

# did PAST PRESENT WHAT...: one line per change, "would ..." in a dry run.
did() {
	if ((DRY_RUN)); then say "would $2 ${*:3}"; else say "$1 ${*:3}"; fi
}

# host PATH: where a path of the installed system is on this machine (under --root).
host() { printf '%s%s' "$ROOT" "$1"; }

# safe_path PATH: absolute, and nothing that needs quoting in a cron line or a unit file.
safe_path() { [[ $1 == /* && $1 =~ ^[A-Za-z0-9._/@+-]+$ && $1 != *//* ]]; }

in_list() { # WORD LIST...
	local w=$1 e
	shift
	for e; do [[ $e != "$w" ]] || return 0; done
	return 1
}

run_as_lotus_user() {
	if [[ $LOTUS_USER == "$(id -un)" ]]; then
		"$@"
	elif command -v runuser >/dev/null; then
		runuser -u "$LOTUS_USER" -- "$@"
	else
		# shellcheck disable=SC2016 # expanded by the inner shell
		su -s /bin/sh "$LOTUS_USER" -c 'exec "$@"' sh "$@"
	fi
}

# repeat_options: a re-run (the package's too) repeats the choices given to an earlier one,
# unless its own options say otherwise; this run's choices are recorded in turn.
repeat_options() {
	local flag val repeated=()
	if [[ -z $MINER_IDS && ${#MINER_REPOS[@]} == 0 ]]; then
		while read -r flag val; do
			case $flag in
			--miner) MINER_IDS=$val repeated+=("$flag $val") ;;
			--miner-repo) MINER_REPOS+=("$val") repeated+=("$flag $val") ;;
			esac
		done < <(earlier option)
	fi
	while read -r flag val; do
		case $flag in
		--textfile-dir) [[ -n $TEXTFILE_DIR ]] || TEXTFILE_DIR=$val repeated+=("$flag $val") ;;
		--cron | --systemd) [[ -n $SCHEDULER ]] || SCHEDULER=${flag#--} repeated+=("$flag") ;;
		esac
	done < <(earlier option)
	((${#repeated[@]} == 0)) || say "options of an earlier run, repeated: ${repeated[*]}"
	[[ -z $MINER_IDS ]] || desire "option --miner $MINER_IDS"
	for val in "${MINER_REPOS[@]}"; do desire "option --miner-repo $val"; done
	[[ -z $TEXTFILE_DIR ]] || desire "option --textfile-dir $TEXTFILE_DIR"
	[[ -z $SCHEDULER ]] || desire "option --$SCHEDULER"
}

# ---------------------------------------------------------------- the record of what is installed

# ENTRIES lists what this installer put on the host, one "TYPE PATH [DETAIL]" each:
#   dir PATH              a folder it created (removed on uninstall when empty)
#   file PATH, link PATH  a file or symlink it wrote (binary, cron file, units, logrotate file)
#   perm PATH GID MODE    the textfile folder's group and mode before it granted write access
#   repo PATH DAEMON ID   a lotus-miner repo it exports, its daemon repo and its miner ("-"
#                         when unknown; before 0.2 "repo PATH [DAEMON]"); when the repo is no
#                         longer set up, that miner's files in the textfile folder go too
#   user NAME             the lotus user the jobs run as, kept for a re-run without --user
#   option FLAG VALUE     --miner, --miner-repo, --textfile-dir, --cron or --systemd as given,
#                         repeated by a re-run that does not say otherwise
#   textfile DIR          the folder the job writes to; --uninstall removes the exporter's files there
#   logfile PATH          the job's log file; removed with its rotations
#   data PATH             a file of the exporter's that --uninstall --keep-data kept (counters,
#                         state, the log); kept by re-runs, removed by a plain --uninstall
ENTRIES=()
DESIRED=() # the entries this run wants; earlier ones not among them are undone

load_manifest() {
	local line
	[[ -f $(host "$MANIFEST") ]] || return 1
	while IFS= read -r line; do
		[[ -z $line || $line == '#'* || $line == 'version '* ]] || ENTRIES+=("$line")
	done <"$(host "$MANIFEST")"
}

has_entry() { in_list "$1" "${ENTRIES[@]}"; }
add_entry() { has_entry "$1" || ENTRIES+=("$1"); }
desire() {
	add_entry "$1"
	DESIRED+=("$1")
}

# earlier TYPE: the rest of each entry of TYPE.
earlier() {
	local e
	for e in "${ENTRIES[@]}"; do [[ $e != "$1 "* ]] || printf '%s\n' "${e#"$1 "}"; done
}

# save_manifest: written at once whenever it changes, so an interrupted run can be uninstalled.
MANIFEST_CHANGED=0
save_manifest() {
	local h tmp
	h=$(host "$MANIFEST")
	printf '%s\n' "# What lotus-farcaster's install.sh put on this host; install.sh --uninstall removes it." \
		"version 2" "${ENTRIES[@]}" >"$WORK/manifest"
	[[ ! -f $h ]] || ! cmp -s "$WORK/manifest" "$h" || return 0
	MANIFEST_CHANGED=1
	((!DRY_RUN)) || return 0
	ensure_dir "${MANIFEST%/*}"
	tmp=$(mktemp "${h%/*}/.$PROGRAM-install.XXXXXX")
	cat "$WORK/manifest" >"$tmp"
	chmod 644 "$tmp"
	mv -f "$tmp" "$h"
}

# ---------------------------------------------------------------- file operations (all reported)

DRY_CREATED=" "
# ensure_dir PATH: create the missing folders of PATH, recording each.
ensure_dir() {
	local sofar="" part parts
	IFS=/ read -ra parts <<<"${1#/}"
	for part in "${parts[@]}"; do
		sofar+=/$part
		[[ -d $(host "$sofar") || $DRY_CREATED == *" $sofar "* ]] && continue
		if ((DRY_RUN)); then
			DRY_CREATED+="$sofar "
		else
			mkdir -m 755 "$(host "$sofar")"
			add_entry "dir $sofar"
		fi
		did created create "$sofar"
	done
}

# put_file SOURCE TARGET MODE PAST PRESENT: a file this run wants, replaced atomically unless
# it already has this content and mode. Sets CHANGED.
CHANGED=0
put_file() {
	local src=$1 target=$2 mode=$3 h tmp
	h=$(host "$target")
	desire "file $target"
	CHANGED=0
	if [[ -f $h && ! -L $h && $(stat -c %a "$h") == "$mode" ]] && cmp -s "$src" "$h"; then
		say "unchanged $target"
		return 0
	fi
	CHANGED=1
	ensure_dir "${target%/*}"
	if ((!DRY_RUN)); then
		tmp=$(mktemp "${h%/*}/.$PROGRAM-install.XXXXXX")
		cat "$src" >"$tmp"
		chmod "$mode" "$tmp"
		mv -f "$tmp" "$h"
	fi
	did "$4" "$5" "$target"
}

write_file() { # TARGET MODE CONTENT
	printf '%s' "$3" >"$WORK/content"
	put_file "$WORK/content" "$1" "$2" wrote write
}

make_link() { # TARGET POINTS_TO
	desire "link $1"
	if [[ -L $(host "$1") && $(readlink "$(host "$1")") == "$2" ]]; then
		say "unchanged $1"
		return 0
	fi
	ensure_dir "${1%/*}"
	((DRY_RUN)) || ln -sfn "$2" "$(host "$1")"
	did linked link "$1 -> $2"
}

remove_path() { # PATH: a file or symlink, if it is there
	[[ -e $(host "$1") || -L $(host "$1") ]] || return 0
	((DRY_RUN)) || rm -f "$(host "$1")"
	did removed remove "$1"
}

# ---------------------------------------------------------------- the binary

fetch() { # URL FILE
	if command -v curl >/dev/null; then
		curl -fsSL --retry 3 -o "$2" "$1" || die "download failed: $1"
	elif command -v wget >/dev/null; then
		wget -q -O "$2" "$1" || die "download failed: $1"
	else
		die "neither curl nor wget is installed"
	fi
	say "downloaded $1"
}

# download_release: fetch SHA256SUMS, find this arch's tarball in it, fetch and verify that.
# SHA256SUMS names the tarball, so "latest" needs no API call to learn the version.
download_release() {
	local arch url name want got
	[[ $(uname -s) == Linux ]] || die "releases are built for Linux only; use --binary or --from-source"
	case $(uname -m) in
	x86_64 | amd64) arch=amd64 ;;
	aarch64 | arm64) arch=arm64 ;;
	*) die "no release for $(uname -m); use --binary or --from-source" ;;
	esac
	url=$BASE_URL/download/$VERSION
	[[ $VERSION != latest ]] || url=$BASE_URL/latest/download
	fetch "$url/SHA256SUMS" "$WORK/SHA256SUMS"
	name=$(awk '{ sub(/^\*/, "", $2); print $2 }' "$WORK/SHA256SUMS" |
		grep -E "^$PROGRAM-[^/]+-linux-$arch\.tar\.gz$" | head -n 1) ||
		die "$url/SHA256SUMS lists no $PROGRAM-*-linux-$arch.tar.gz"
	want=$(awk -v n="$name" '{ f = $2; sub(/^\*/, "", f) } f == n { print $1; exit }' "$WORK/SHA256SUMS")
	fetch "$url/$name" "$WORK/$name"
	got=$(sha256sum <"$WORK/$name" | cut -d' ' -f1)
	[[ $got == "$want" ]] || die "checksum mismatch for $name: SHA256SUMS says $want, the download is $got; nothing installed"
	say "verified $name against SHA256SUMS"
	mkdir "$WORK/unpacked"
	tar -xzf "$WORK/$name" -C "$WORK/unpacked" || die "cannot unpack $name"
	BINARY=$WORK/unpacked/${name%.tar.gz}/$PROGRAM
	[[ -f $BINARY ]] || die "$name holds no ${name%.tar.gz}/$PROGRAM"
}

# build_from_source: into the work folder, in a dry run too, since the binary is asked about the host.
build_from_source() {
	local go version revision
	[[ -n $SCRIPT_DIR && -f $SCRIPT_DIR/go.mod ]] || die "--from-source needs install.sh inside a checkout"
	go=$(command -v go || echo /usr/local/go/bin/go)
	[[ -x $go ]] || die "--from-source: no Go toolchain (go) in PATH or /usr/local/go/bin"
	version=$(git -C "$SCRIPT_DIR" describe --tags --always --dirty 2>/dev/null || echo dev)
	revision=$(git -C "$SCRIPT_DIR" rev-parse HEAD 2>/dev/null || echo unknown)
	(cd "$SCRIPT_DIR" && CGO_ENABLED=0 "$go" build -trimpath -buildvcs=false \
		-ldflags "-X github.com/prometheus/common/version.Version=${version#v} -X github.com/prometheus/common/version.Revision=$revision" \
		-o "$WORK/$PROGRAM" .) || die "go build failed"
	say "built $PROGRAM ${version#v} from $SCRIPT_DIR"
	BINARY=$WORK/$PROGRAM
}

# obtain_binary: sets BINARY to a lotus-farcaster that runs here, before anything changes.
obtain_binary() {
	local out
	if [[ -n $BINARY ]]; then
		[[ -f $BINARY ]] || die "--binary $BINARY: no such file"
	elif ((FROM_SOURCE)); then
		build_from_source
	elif [[ -n $SCRIPT_DIR && -f $SCRIPT_DIR/$PROGRAM && ! -f $SCRIPT_DIR/go.mod ]]; then
		BINARY=$SCRIPT_DIR/$PROGRAM # an unpacked release: its binary is beside this script
	else
		download_release
	fi
	out=$("$BINARY" --version 2>&1) || true
	[[ $out == "$PROGRAM, version "* ]] || die "$BINARY is not a $PROGRAM binary for this machine (--version said: ${out%%$'\n'*})"
	out=${out#"$PROGRAM, version "}
	out=${out%% *}
	say "binary: $PROGRAM ${out:-(no version stamped)} ($BINARY)"
	# The job's binary decides what a miner ID is, so it never rejects what this accepted.
	if [[ -n $MINER_IDS ]] && ! out=$("$BINARY" --miner "$MINER_IDS" --version 2>&1 >/dev/null); then
		out=${out#"$PROGRAM: "}
		usage_error "${out% (see --help)}"
	fi
}

# ---------------------------------------------------------------- what the binary says about the host

HOST_USER=""
declare -A USER_WHY=()
HOST_REPOS=()
declare -A REPO_USER=() REPO_DAEMON=() REPO_ID=() REPO_ERROR=() REPO_SKIP=()
CURIO=()
TF_DIR="" TF_SOURCE="" TF_HOW="" TF_NOTE=""
declare -A TF_CHANGE=() TF_CHANGE_WHY=() # may this run change a folder's group and mode, and why
SYSTEMD="" SYSTEMD_HOW=""
CRON_INSTALLED="" CRON_RUNNING="" CRON_HOW=""
LOG_TO="" LOGROTATE="" LOG_HOW=""

# ask_host reads `lotus-farcaster --host-info lines` (the format is documented in hostinfo.go):
# one tab-separated record per line, "-" for an empty field.
ask_host() {
	local info kind a b c d e f g v dirs=() dir
	# The verdicts on the folders this run may choose, besides the one found.
	for dir in "$TEXTFILE_DIR" "$(earlier textfile | head -n 1)"; do [[ -z $dir ]] || dirs+=(--host-info.textfile-dir "$dir"); done
	info=$("$BINARY" --host-info lines ${ROOT:+--host-info.root "$ROOT"} "${dirs[@]}") || die "$BINARY --host-info failed"
	while IFS=$'\t' read -r kind a b c d e f g; do
		for v in a b c d e f g; do [[ ${!v} != - ]] || printf -v "$v" ''; done
		case $kind in
		lotus_user) HOST_USER=$a ;;
		user) USER_WHY[${a:-uid $b}]=$d ;;
		repo)
			HOST_REPOS+=("$a")
			REPO_USER[$a]=$b REPO_DAEMON[$a]=$c REPO_ID[$a]=$d REPO_ERROR[$a]=$f REPO_SKIP[$a]=$g
			;;
		curio) CURIO+=("$b (pid $a)") ;;
		textfile) TF_DIR=$a TF_SOURCE=$b TF_HOW=$c ;;
		textfile_note) TF_NOTE=$a ;;
		textfile_change) TF_CHANGE[$a]=$b TF_CHANGE_WHY[$a]=$c ;;
		systemd) SYSTEMD=$a SYSTEMD_HOW=$b ;;
		cron) CRON_INSTALLED=$a CRON_RUNNING=$b CRON_HOW=$c ;;
		log) LOG_TO=$a LOGROTATE=$b LOG_HOW=$c ;;
		esac
	done <<<"$info"
	[[ -n $SYSTEMD && -n $LOG_TO ]] || die "$BINARY --host-info said nothing usable; is it older than this install.sh?"
}

# ---------------------------------------------------------------- decisions (nothing changes yet)

USER_HOME="" USER_GROUP=""
choose_user() {
	local how=--user repo skipped=""
	if [[ -z $LOTUS_USER ]]; then
		LOTUS_USER=$(earlier user) how="chosen by an earlier run"
	fi
	if [[ -z $LOTUS_USER ]]; then
		for repo in "${HOST_REPOS[@]}"; do
			[[ -z ${REPO_SKIP[$repo]} ]] || skipped+="; skipped $repo: ${REPO_SKIP[$repo]}"
		done
		((${#USER_WHY[@]})) || die "no lotus user found: no lotus-miner or curio runs, and no ~/.lotusminer* folder with an api file that answers is in /root or /home/*$skipped; pass --user"
		[[ -n $HOST_USER ]] || die "several users run lotus-miner or curio, or own miner repos (${!USER_WHY[*]}); pass --user"
		LOTUS_USER=$HOST_USER how=${USER_WHY[$HOST_USER]}
	fi
	USER_HOME=$(getent passwd "$LOTUS_USER" | cut -d: -f6) || die "user $LOTUS_USER does not exist"
	USER_GROUP=$(id -gn "$LOTUS_USER")
	say "lotus user: $LOTUS_USER ($how)"
	desire "user $LOTUS_USER"
}

# JOBS: one per miner repo, run with LOTUS_MINER_PATH (and LOTUS_PATH when its daemon repo is
# known); or the one job "miners" of daemon-only mode (--miner); or, on a Curio host without
# lotus-miner, the one job "curio", which finds Curio's database and its miners on its own.
JOBS=()
choose_jobs() {
	local repo daemon id
	if [[ -n $MINER_IDS ]]; then
		JOBS=(miners)
		say "daemon-only: miners $MINER_IDS, read from the daemon alone"
		return 0
	fi
	if ((${#MINER_REPOS[@]})); then
		for repo in "${MINER_REPOS[@]}"; do
			[[ -d $(host "$repo") ]] || die "--miner-repo $repo: no such folder"
		done
		JOBS=("${MINER_REPOS[@]}")
	else
		# One job per miner (--host-info skips a copy of a repo, and a dead one).
		for repo in "${HOST_REPOS[@]}"; do
			[[ ${REPO_USER[$repo]} == "$LOTUS_USER" ]] || continue
			[[ -n ${REPO_SKIP[$repo]} ]] || JOBS+=("$repo")
		done
		# A miner that is down now (its API silent) keeps the job an earlier run gave it; a
		# copy of another job's repo does not.
		while read -r repo daemon id; do
			if [[ -d $(host "$repo") && -z ${REPO_ID[$repo]:-} ]] && ! in_list "$repo" "${JOBS[@]}" && ! job_serves "$id"; then
				JOBS+=("$repo")
				REPO_DAEMON[$repo]=${REPO_DAEMON[$repo]:-$daemon} REPO_ID[$repo]=$id
			fi
		done < <(earlier_repos)
		for repo in "${HOST_REPOS[@]}"; do
			[[ -z ${REPO_SKIP[$repo]} || ${REPO_USER[$repo]} != "$LOTUS_USER" ]] || in_list "$repo" "${JOBS[@]}" ||
				say "skipped miner repo: $repo (${REPO_SKIP[$repo]})"
		done
		if ((${#JOBS[@]} == 0 && ${#CURIO[@]})); then
			JOBS=(curio)
			say "curio: the miners Curio's database serves (curio runs: ${CURIO[*]}); the job finds the database and the daemon as curio has them"
			return 0
		fi
		((${#JOBS[@]})) || die "no lotus-miner repo of $LOTUS_USER found (LOTUS_MINER_PATH of its lotus-miner, ~/.lotusminer* with an api file); pass --miner-repo, or --miner for daemon-only mode"
		mapfile -t JOBS < <(printf '%s\n' "${JOBS[@]}" | sort)
	fi
	for repo in "${JOBS[@]}"; do
		daemon=${REPO_DAEMON[$repo]:-}
		safe_path "$repo" || die "the miner repo $repo cannot be quoted in a cron line; pass --miner-repo"
		[[ -z $daemon ]] || safe_path "$daemon" || die "the daemon repo $daemon cannot be quoted in a cron line"
		if [[ -n ${REPO_ID[$repo]:-} ]]; then
			say "miner repo: $repo (miner ${REPO_ID[$repo]}${daemon:+, daemon repo $daemon})"
		else
			say "miner repo: $repo (${daemon:+daemon repo $daemon; }miner ID unknown: ${REPO_ERROR[$repo]:-not a repo --host-info found})"
		fi
		desire "repo $repo ${daemon:--} ${REPO_ID[$repo]:--}"
	done
	((${#CURIO[@]} == 0)) || say "note: curio runs too (${CURIO[*]}); these jobs export lotus-miner's miners, and Curio's database is read only by a job without lotus-miner"
}

choose_textfile_dir() {
	local how before
	before=$(earlier textfile | head -n 1)
	if [[ -n $TEXTFILE_DIR ]]; then
		how=--textfile-dir
		[[ $TF_SOURCE != process || $TF_DIR == "$TEXTFILE_DIR" ]] || warn "the running node_exporter reads $TF_DIR ($TF_HOW), not $TEXTFILE_DIR"
	elif [[ $TF_SOURCE == unreachable ]]; then
		die "$TF_HOW; nothing changed"
	elif [[ $TF_SOURCE != process && -n $before && -d $(host "$before") ]]; then
		# node_exporter may just be down: keep the folder an earlier run chose.
		TEXTFILE_DIR=$before how="chosen by an earlier run; no running node_exporter reads another"
	else
		TEXTFILE_DIR=$TF_DIR how=$TF_HOW
		safe_path "$TEXTFILE_DIR" || die "node_exporter's textfile folder $TEXTFILE_DIR cannot be quoted in a cron line; pass --textfile-dir"
	fi
	say "textfile folder: $TEXTFILE_DIR ($how)"
	if [[ -n $TF_NOTE ]]; then
		warn "$TF_NOTE; start it with --collector.textfile.directory=$TEXTFILE_DIR"
	elif [[ $TF_SOURCE == none || $TF_SOURCE == folder ]]; then
		say "note: no node_exporter runs now; it must read $TEXTFILE_DIR (Debian/Ubuntu: apt install prometheus-node-exporter reads it by default)"
	fi
	desire "textfile $TEXTFILE_DIR"
}

# plan_access: must the lotus user be given write access to the textfile folder, and is that
# safe? --host-info decides which folders this run may change (textfile_change). Sets GRANT.
GRANT=0
plan_access() {
	local h mode why=${TF_CHANGE_WHY[$TEXTFILE_DIR]:-$BINARY --host-info gave no verdict on it}
	h=$(host "$TEXTFILE_DIR")
	[[ $(id -u "$LOTUS_USER") != 0 ]] || return 0
	if [[ -d $h ]]; then
		run_as_lotus_user test -w "$h" -a -x "$h" && return 0
	fi
	case ${TF_CHANGE[$TEXTFILE_DIR]:-} in
	yes) ;;
	acl) has_entry "dir $TEXTFILE_DIR" || die "refusing to change the group and mode of $TEXTFILE_DIR for $LOTUS_USER: $why; let $LOTUS_USER write to it yourself (setfacl -m u:$LOTUS_USER:rwx $TEXTFILE_DIR) and re-run, or pass --textfile-dir with a folder $LOTUS_USER can write; nothing changed" ;;
	*) die "refusing to change the group and mode of $TEXTFILE_DIR for $LOTUS_USER: $why; pass --textfile-dir with a folder node_exporter reads that $LOTUS_USER can write; nothing changed" ;;
	esac
	if [[ -d $h ]]; then
		mode=$(stat -L -c %a "$h")
		(((8#$mode & 8#005) == 8#005)) || die "$TEXTFILE_DIR (mode $mode) is not readable by all, so changing its group could lock node_exporter out; let $LOTUS_USER write to it yourself (e.g. setfacl -m u:$LOTUS_USER:rwx $TEXTFILE_DIR) and re-run"
	fi
	GRANT=1 # a folder this run creates is root's
}

# choose_scheduler: cron when a cron daemon runs, else a timer when systemd is PID 1; never
# a scheduler that would not run the job.
choose_scheduler() {
	local keep=""
	case $SCHEDULER in
	systemd)
		if [[ $SYSTEMD != yes ]]; then
			! has_entry "file $CRON_FILE" || keep="; the cron job stays"
			die "refusing --systemd: $SYSTEMD_HOW, so no timer would ever run; nothing changed$keep"
		fi
		;;
	cron) [[ $CRON_RUNNING == yes ]] || warn "no cron daemon runs ($CRON_HOW): nothing runs $CRON_FILE until one does (apt install cron)" ;;
	*)
		if [[ $CRON_RUNNING == yes ]]; then
			SCHEDULER=cron
		elif [[ $SYSTEMD == yes ]]; then
			SCHEDULER=systemd
		elif [[ $CRON_INSTALLED == yes ]]; then
			SCHEDULER=cron
			warn "cron is installed but not running ($CRON_HOW): start it, or nothing runs $CRON_FILE"
		else
			die "nothing on this host would run the job: no cron daemon ($CRON_HOW), and $SYSTEMD_HOW; install cron (apt install cron) and re-run; nothing changed"
		fi
		;;
	esac
	say "schedule: every minute via $SCHEDULER"
}

# choose_log: where the job's error lines go, and where a person looks (the same names as
# the alert runbooks in grafana/alerts.yml).
LOG="" LOG_WHERE=""
choose_log() {
	if [[ $SCHEDULER == systemd ]]; then
		LOG=journal LOG_WHERE="journalctl -u $PROGRAM"
		((${#JOBS[@]} == 1)) || LOG_WHERE="journalctl -u '$PROGRAM@*'"
	elif [[ $LOG_TO == journal ]]; then
		LOG=logger LOG_WHERE="journalctl -t $PROGRAM"
	elif [[ $LOG_TO == syslog ]]; then
		LOG=logger LOG_WHERE="grep $PROGRAM /var/log/syslog"
	else
		LOG=file LOG_WHERE=$LOG_FILE
		say "note: $LOG_HOW; so the job appends to $LOG_FILE"
		[[ $LOGROTATE == yes ]] || warn "logrotate is not installed, so $LOG_FILE is never rotated (apt install logrotate)"
	fi
	say "error lines: $LOG_WHERE"
}

# warn_user_crontab: the README's manual setup would run a second copy every minute.
warn_user_crontab() {
	local f
	for f in "/var/spool/cron/crontabs/$LOTUS_USER" "/var/spool/cron/$LOTUS_USER"; do
		if [[ -r $(host "$f") ]] && grep -q "$PROGRAM" "$(host "$f")"; then
			warn "$LOTUS_USER's crontab ($f) also runs $PROGRAM; remove that line (crontab -e -u $LOTUS_USER)"
		fi
	done
}

# ---------------------------------------------------------------- changes

install_binary() {
	if [[ $BINARY -ef $(host "$PREFIX/bin/$PROGRAM") ]]; then
		say "binary in place: $PREFIX/bin/$PROGRAM (its package's, not ours to remove)"
	else
		put_file "$BINARY" "$PREFIX/bin/$PROGRAM" 755 installed install
	fi
}

prepare_textfile_dir() {
	local h e was recorded=""
	h=$(host "$TEXTFILE_DIR")
	ensure_dir "$TEXTFILE_DIR"
	# Keep the record of the state before an earlier run's change, so --uninstall reverts to it.
	for e in "${ENTRIES[@]}"; do
		[[ $e != "perm $TEXTFILE_DIR "* ]] || DESIRED+=("$e") recorded=1
	done
	if ((!GRANT)); then
		say "access: $LOTUS_USER can write to $TEXTFILE_DIR"
	elif [[ ! -d $h ]]; then
		say "would grant group $USER_GROUP write access to $TEXTFILE_DIR" # a dry run that would create it
	else
		was=$(stat -L -c '%G %a' "$h")
		[[ -n $recorded ]] || desire "perm $TEXTFILE_DIR $(stat -L -c '%g %a' "$h")"
		if ((!DRY_RUN)); then
			save_manifest # the old state is on record before it changes
			chgrp "$USER_GROUP" "$h"
			chmod g+rwx "$h"
		fi
		did granted grant "group $USER_GROUP write access to $TEXTFILE_DIR (was $was; $REMOVE_HOW reverts it)"
	fi
}

# setup_log_file: a folder the lotus user owns, so the job can append, and the rotation.
setup_log_file() {
	local h
	[[ $LOG == file ]] || return 0
	h=$(host "$LOG_DIR")
	if [[ -d $h ]] && ! has_entry "dir $LOG_DIR"; then
		run_as_lotus_user test -w "$h" -a -x "$h" ||
			warn "$LOTUS_USER cannot write to $LOG_DIR, which this installer did not create: error lines are lost until it can"
	else
		ensure_dir "$LOG_DIR"
		if [[ ! -d $h || $(stat -c %U:%G "$h") != "$LOTUS_USER:$USER_GROUP" ]]; then
			((DRY_RUN)) || chown "$LOTUS_USER:$USER_GROUP" "$h"
			did granted grant "$LOTUS_USER the folder $LOG_DIR"
		fi
	fi
	desire "logfile $LOG_FILE"
	# su: rotate as the folder's owner. create: every run opens the file anew, so no copytruncate.
	write_file "$LOGROTATE_FILE" 644 "# lotus-farcaster's error lines. $WRITTEN_BY
$LOG_FILE {
	su $LOTUS_USER $USER_GROUP
	weekly
	maxsize 10M
	rotate 4
	compress
	delaycompress
	missingok
	notifempty
	create 0644 $LOTUS_USER $USER_GROUP
}
"
}

# earlier_repos: the repo entries of the manifest, "PATH DAEMON ID" with "" for one unknown;
# before the miner ID was kept an entry was "repo PATH [DAEMON]".
earlier_repos() {
	local repo daemon id
	while read -r repo daemon id; do
		[[ $daemon != - ]] || daemon=""
		[[ $id != - ]] || id=""
		printf '%s %s %s\n' "$repo" "$daemon" "$id"
	done < <(earlier repo)
}

# job_serves ID: a job of this run exports miner ID.
job_serves() {
	local job
	[[ -n $1 ]] || return 1
	for job in "${JOBS[@]}"; do [[ ${REPO_ID[$job]:-} != "$1" ]] || return 0; done
	return 1
}

# job_env JOB, job_args JOB: the environment and flags that export one job's miners.
job_env() {
	[[ $1 == miners || $1 == curio ]] || printf '%sLOTUS_MINER_PATH=%s' "${REPO_DAEMON[$1]:+LOTUS_PATH=${REPO_DAEMON[$1]} }" "$1"
}
job_args() {
	[[ $1 != miners ]] || printf -- '--miner %s ' "$MINER_IDS"
	[[ -z ${REPO_ID[$1]:-} ]] || printf -- '--expect-miner %s ' "${REPO_ID[$1]}"
	printf -- '--textfile-dir %s' "$TEXTFILE_DIR"
}

install_cron() {
	local content job env out="2>&1 | logger -t $PROGRAM"
	# awk stamps each line with the time, as syslog would; strftime() without a format needs
	# no %, which cron would turn into a newline.
	[[ $LOG != file ]] || out="2>&1 | awk '{ print strftime(), \$0; fflush() }' >>$LOG_FILE"
	content="# lotus-farcaster: Lotus metrics for node_exporter, every minute, one line per job.
# Error lines: $LOG_WHERE
# $WRITTEN_BY
SHELL=/bin/sh
PATH=/usr/bin:/bin
"
	for job in "${JOBS[@]}"; do
		env=$(job_env "$job")
		content+="* * * * * $LOTUS_USER ${env:+$env }$PREFIX/bin/$PROGRAM $(job_args "$job") $out"$'\n'
	done
	write_file "$CRON_FILE" 644 "$content"
}

# service_unit ENVIRONMENT_LINES ARGS DESCRIPTION_SUFFIX: a root lotus user keeps its
# capabilities, since it may reach files of other owners only through them.
service_unit() {
	cat <<EOF
# $WRITTEN_BY
[Unit]
Description=lotus-farcaster: Lotus metrics for node_exporter$3
Documentation=https://github.com/lotus-farcaster/lotus-farcaster
After=network-online.target

[Service]
Type=oneshot
User=$LOTUS_USER
$1ExecStart=$PREFIX/bin/$PROGRAM $2
# Error lines go to the journal: journalctl -u $PROGRAM
SyslogIdentifier=$PROGRAM
TimeoutStartSec=55
# Hardening. It reads the Lotus repos (so home is read-only, not hidden), talks TCP to
# loopback and the LAN, reads /proc of other processes (lotus-miner's environment,
# node_exporter's flags), and writes only the textfile folder.
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=read-only
ReadWritePaths=$TEXTFILE_DIR
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
SystemCallArchitectures=native
UMask=0022
EOF
	[[ $(id -u "$LOTUS_USER") == 0 ]] || echo "CapabilityBoundingSet="
}

timer_unit() { # DESCRIPTION_SUFFIX
	cat <<EOF
# $WRITTEN_BY
[Unit]
Description=Run lotus-farcaster every minute$1

[Timer]
OnCalendar=*-*-* *:*:00
AccuracySec=1s

[Install]
WantedBy=timers.target
EOF
}

TIMERS=()
UNITS_CHANGED=0
put_unit() { # NAME CONTENT
	write_file "$UNIT_DIR/$1" 644 "$2"$'\n'
	((!CHANGED)) || UNITS_CHANGED=1
}

# place_timer UNIT DESCRIPTION_SUFFIX: sets TIMER_DIR, where the timer unit is. A timer is
# the same on every host, so the .deb ships both (packaging/*.timer, this text) in
# /usr/lib/systemd/system, where dpkg knows them, and the package's run only enables them.
# A service names the host's lotus user, repos and textfile folder, so it is written here,
# in /etc/systemd/system, as without the package.
TIMER_DIR=""
place_timer() {
	if ((PACKAGED)) && [[ -f $(host "$PACKAGE_UNIT_DIR/$1") ]]; then
		TIMER_DIR=$PACKAGE_UNIT_DIR
		say "timer unit: $PACKAGE_UNIT_DIR/$1 (the package's)"
		UNITS_CHANGED=1 # the new version's unit may differ: systemd reloads it
	else
		TIMER_DIR=$UNIT_DIR
		put_unit "$1" "$(timer_unit "$2")"
	fi
}

# install_systemd: one job gets lotus-farcaster.service and .timer; several repos get the
# templates lotus-farcaster@.service and .timer, one instance per repo named after its path
# (systemd-escape --path), whose %f is the repo; a LOTUS_PATH and the repo's miner ID (as
# $LOTUS_FARCASTER_FLAGS, which systemd splits into zero or more words) go into drop-ins.
install_systemd() {
	local job inst env=""
	if ((${#JOBS[@]} == 1)); then
		job=${JOBS[0]}
		[[ $job == miners || $job == curio ]] || env="Environment=LOTUS_MINER_PATH=$job"$'\n'
		[[ -z ${REPO_DAEMON[$job]:-} ]] || env+="Environment=LOTUS_PATH=${REPO_DAEMON[$job]}"$'\n'
		put_unit "$PROGRAM.service" "$(service_unit "$env" "$(job_args "$job")" "")"
		place_timer "$PROGRAM.timer" ""
		make_link "$WANTS_DIR/$PROGRAM.timer" "$TIMER_DIR/$PROGRAM.timer"
		TIMERS=("$PROGRAM.timer")
		return 0
	fi
	command -v systemd-escape >/dev/null || die "systemd-escape not found, although systemd runs"
	put_unit "$PROGRAM@.service" "$(service_unit "Environment=LOTUS_MINER_PATH=%f"$'\n' "\$LOTUS_FARCASTER_FLAGS --textfile-dir $TEXTFILE_DIR" " (miner repo %f)")"
	place_timer "$PROGRAM@.timer" " (miner repo %f)"
	for job in "${JOBS[@]}"; do
		inst=$(systemd-escape --path "$job")
		[[ -z ${REPO_DAEMON[$job]:-} ]] ||
			put_unit "$PROGRAM@$inst.service.d/lotus-path.conf" "[Service]"$'\n'"Environment=LOTUS_PATH=${REPO_DAEMON[$job]}"
		[[ -z ${REPO_ID[$job]:-} ]] ||
			put_unit "$PROGRAM@$inst.service.d/miner.conf" "[Service]"$'\n'"Environment=\"LOTUS_FARCASTER_FLAGS=--expect-miner ${REPO_ID[$job]}\""
		make_link "$WANTS_DIR/$PROGRAM@$inst.timer" "$TIMER_DIR/$PROGRAM@.timer"
		TIMERS+=("$PROGRAM@$inst.timer")
	done
}

# start_timers: on a live systemd (not under --root), after the units changed.
start_timers() {
	local t
	[[ -z $ROOT && $SYSTEMD == yes ]] || return 0
	if ((UNITS_CHANGED)); then
		((DRY_RUN)) || systemctl daemon-reload
		did reloaded reload "systemd"
	fi
	for t in "${TIMERS[@]}"; do
		if ((UNITS_CHANGED)) || ! systemctl is-active --quiet "$t"; then
			((DRY_RUN)) || systemctl restart "$t"
			did started start "$t"
		fi
	done
}

# ---------------------------------------------------------------- undoing

# exporter_files DIR [ID]: the files lotus-farcaster writes into DIR: for each miner ID (or
# only ID; and "curio", a Curio cluster's file) lotus-ID.prom, .lotus-ID.prom.lock,
# .lotus-ID.prom.state (and .state.bad, one set aside), the .tmp files a killed run leaves;
# and, without ID, each job's .lotus-farcaster.HASH.lock.
exporter_files() {
	local f name id
	for f in "$(host "$1")"/.lotus-farcaster.*.lock; do
		name=${f##*/}
		[[ -z ${2:-} && -e $f && $name =~ ^\.lotus-farcaster\.[0-9a-f]{16}\.lock$ ]] && printf '%s\n' "$1/$name"
	done
	for f in "$(host "$1")"/lotus-*.prom "$(host "$1")"/.lotus-*.prom.*; do
		name=${f##*/}
		id=${name#.}
		id=${id#lotus-}
		id=${id%%.*}
		[[ -e $f && $id =~ ^([ft]0[0-9]+|curio)$ && ${2:-$id} == "$id" ]] || continue
		case $name in
		"lotus-$id.prom" | ".lotus-$id.prom.lock" | ".lotus-$id.prom.state" | ".lotus-$id.prom.state.bad" | ".lotus-$id.prom."*.tmp) printf '%s\n' "$1/$name" ;;
		esac
	done
}

# undo_entry ENTRY: remove what one entry describes (folders are removed at the very end).
undo_entry() {
	local type path gid mode f old name
	read -r type path gid mode old <<<"$1"
	# The first installer's record was "perm PATH UID GID MODE"; its "owned" entries need nothing.
	[[ -z $old ]] || gid=$mode mode=$old
	case $type in
	file | link)
		if [[ $path == "$UNIT_DIR"/* ]]; then
			UNITS_CHANGED=1
			if [[ -z $ROOT && $SYSTEMD == yes && $path == *.timer && $path != *@.timer ]]; then
				((DRY_RUN)) || systemctl stop "${path##*/}" 2>/dev/null || true
				did stopped stop "${path##*/}"
			fi
		fi
		remove_path "$path"
		;;
	textfile) while read -r f; do remove_path "$f"; done < <(exporter_files "$path") ;;
	logfile) for f in "$(host "$path")" "$(host "$path")".*; do [[ ! -e $f ]] || remove_path "${f#"$ROOT"}"; done ;;
	repo)
		# A miner no longer set up (its repo gone): its files go too, unless a job exports it now.
		# (--uninstall removes them with the textfile entry, or keeps the counters for apt.)
		((!UNINSTALL)) && [[ -n $TEXTFILE_DIR && -n $mode && $mode != - ]] && ! job_serves "$mode" || return 0
		while read -r f; do remove_path "$f"; done < <(exporter_files "$TEXTFILE_DIR" "$mode")
		;;
	data) remove_path "$path" ;;
	perm)
		[[ -d $(host "$path") ]] || return 0
		((DRY_RUN)) || { chgrp "$gid" "$(host "$path")" && chmod "$mode" "$(host "$path")"; }
		name=$(getent group "$gid") && name=${name%%:*} || name=$gid # a group since deleted has only its number
		did restored restore "group $name and mode $mode of $path"
		;;
	esac
}

# drop_stale: undo what an earlier run installed and this one no longer wants (another
# scheduler, prefix, textfile folder or log destination, a miner repo that is gone).
drop_stale() {
	local e kept=()
	for e in "${ENTRIES[@]}"; do
		if [[ $e == dir\ * || $e == data\ * ]] || in_list "$e" "${DESIRED[@]}"; then
			kept+=("$e")
		else
			undo_entry "$e"
		fi
	done
	ENTRIES=("${kept[@]}")
}

# keep_data ENTRY: with --keep-data, keep what ENTRY holds of the exporter's data (its
# counters and state, the log) as data entries, and undo the rest of it. Debian keeps a
# package's data on remove and deletes it on purge; the .deb's postrm purge reads them.
KEPT=()
keep() { in_list "data $1" "${KEPT[@]}" || KEPT+=("data $1"); }
keep_data() {
	local type path f
	read -r type path _ <<<"$1"
	case $type in
	textfile)
		while read -r f; do
			if [[ $f == *.prom.state || $f == *.prom.state.bad ]]; then keep "$f"; else remove_path "$f"; fi
		done < <(exporter_files "$path")
		;;
	logfile) for f in "$(host "$path")" "$(host "$path")".*; do [[ ! -e $f ]] || keep "${f#"$ROOT"}"; done ;;
	data) [[ ! -e $(host "$path") ]] || keep "$path" ;;
	*) undo_entry "$1" ;;
	esac
}

uninstall() {
	local e i dirs=() kept_dirs=()
	if ! load_manifest; then
		say "nothing to uninstall: $MANIFEST does not exist"
		return 0
	fi
	for e in "${ENTRIES[@]}"; do
		if [[ $e == dir\ * ]]; then
			dirs+=("${e#dir }")
		elif ((KEEP_DATA)); then
			keep_data "$e"
		else
			undo_entry "$e"
		fi
	done
	for e in "${KEPT[@]}"; do say "kept ${e#data } (removed by $REMOVE_ALL)"; done
	((${#KEPT[@]})) || remove_path "$MANIFEST"
	for ((i = ${#dirs[@]} - 1; i >= 0; i--)); do
		if [[ ! -d $(host "${dirs[i]}") ]]; then
			continue
		elif ((DRY_RUN)); then
			say "would remove ${dirs[i]} if empty"
		elif rmdir "$(host "${dirs[i]}")" 2>/dev/null; then
			say "removed ${dirs[i]}"
		else
			say "kept ${dirs[i]}: not empty"
			# On record in their first order, so that purge removes them once empty.
			kept_dirs=("dir ${dirs[i]}" "${kept_dirs[@]}")
		fi
	done
	if ((${#KEPT[@]})); then
		ENTRIES=("${kept_dirs[@]}" "${KEPT[@]}")
		save_manifest
		did wrote write "$MANIFEST (what purge removes)"
	fi
	if ((UNITS_CHANGED)) && [[ -z $ROOT && -d /run/systemd/system ]]; then
		((DRY_RUN)) || systemctl daemon-reload
		did reloaded reload "systemd"
	fi
	if ((DRY_RUN)); then say "dry run: nothing was changed"; else say "uninstalled $PROGRAM"; fi
}

# ---------------------------------------------------------------- the check

# check_job JOB: `lotus-farcaster --check` as the lotus user, with the environment the job has.
# Only its exit status is used; its text is for the person reading.
CHECK_FAILED=0
check_job() {
	local job=$1 out rc=0 line id files=""
	local env=(HOME="$(host "$USER_HOME")" PATH=/usr/bin:/bin) args=(--check --textfile-dir "$(host "$TEXTFILE_DIR")") ids=()
	if [[ $job == miners ]]; then
		args+=(--miner "$MINER_IDS")
		IFS=, read -ra ids <<<"$MINER_IDS"
	elif [[ $job != curio ]]; then
		env+=(LOTUS_MINER_PATH="$(host "$job")")
		[[ -z ${REPO_DAEMON[$job]:-} ]] || env+=(LOTUS_PATH="$(host "${REPO_DAEMON[$job]}")")
		[[ -z ${REPO_ID[$job]:-} ]] || ids=("${REPO_ID[$job]}")
	fi
	for id in "${ids[@]}"; do files+=" $TEXTFILE_DIR/lotus-$id.prom"; done
	if ((DRY_RUN)); then
		say "would run $PROGRAM --check as $LOTUS_USER for $job"
		return 0
	fi
	out=$(cd / && run_as_lotus_user env -i "${env[@]}" "$(host "$PREFIX/bin/$PROGRAM")" "${args[@]}" </dev/null 2>&1) || rc=$?
	if ((rc == 0)); then
		say "check $job: verdict OK; metrics file${files:- $TEXTFILE_DIR/lotus-<miner id>.prom} (written every minute)"
		return 0
	fi
	CHECK_FAILED=1
	say "check $job: PROBLEM (lotus-farcaster --check exit $rc):"
	while IFS= read -r line; do say "    $line"; done <<<"$out"
	line=$(job_env "$job")
	say "    fix the above, then check again: sudo -u $LOTUS_USER ${line:+env $line }$PREFIX/bin/$PROGRAM --check $(job_args "$job")"
}

# ---------------------------------------------------------------- main

install() {
	local job
	load_manifest || true
	repeat_options
	# Everything that can fail without changing the host comes first.
	obtain_binary
	ask_host
	choose_user
	choose_jobs
	choose_textfile_dir
	plan_access
	choose_scheduler
	choose_log
	warn_user_crontab

	save_manifest
	install_binary
	save_manifest
	prepare_textfile_dir
	setup_log_file
	if [[ $SCHEDULER == cron ]]; then install_cron; else install_systemd; fi
	save_manifest
	drop_stale
	start_timers
	save_manifest
	if ((RUN_CHECK)); then
		for job in "${JOBS[@]}"; do check_job "$job"; done
	fi
	if ((!MANIFEST_CHANGED)); then
		say "unchanged $MANIFEST"
	else
		ensure_dir "${MANIFEST%/*}"
		did wrote write "$MANIFEST"
	fi
	if ((DRY_RUN)); then
		say "dry run: nothing was changed"
	elif ((CHECK_FAILED)); then
		say "installed $PROGRAM, but the check found a problem (above); it runs every minute as $LOTUS_USER regardless; error lines: $LOG_WHERE"
		exit 3
	else
		say "done: $PROGRAM runs every minute as $LOTUS_USER via $SCHEDULER (${#JOBS[@]} job(s)); error lines: $LOG_WHERE; remove with $REMOVE_HOW"
	fi
}

SCRIPT_DIR=""
main() {
	# Piped into bash there is no script file, hence no checkout or release beside it.
	if [[ -n ${BASH_SOURCE[0]:-} && -f ${BASH_SOURCE[0]} ]]; then
		SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
	fi
	parse_args "$@"
	if [[ -z $ROOT && $(id -u) != 0 ]]; then
		((DRY_RUN)) || die "run as root (sudo); --dry-run works without"
		warn "not root: processes and repos of other users cannot be read"
	fi
	WORK=$(mktemp -d)
	trap 'rm -rf "$WORK"' EXIT
	((!DRY_RUN)) || say "dry run: nothing will be changed"
	if ((UNINSTALL)); then uninstall; else install; fi
}

main "$@"
