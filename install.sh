#!/usr/bin/env bash
# install.sh: install lotus-farcaster on a Filecoin storage provider's host, or remove it.
#
#   curl -fsSL https://github.com/lotus-farcaster/lotus-farcaster/releases/latest/download/install.sh | sudo bash
#   curl -fsSL .../install.sh | sudo bash -s -- --systemd      # options after "bash -s --"
#   sudo ./install.sh [options]                                # from a checkout or an unpacked release
#
# It installs the binary, finds the lotus user, its lotus-miner repos and node_exporter's
# textfile folder, lets the lotus user write there, runs lotus-farcaster every minute (cron
# or a systemd timer), runs `lotus-farcaster --check`, and records what it put on the host in
# /var/lib/lotus-farcaster/installed so that a re-run changes only what changed and
# --uninstall removes exactly that. See --help. Needs bash 4.4 or newer.
set -euo pipefail
export LC_ALL=C
umask 022

readonly PROGRAM=lotus-farcaster
readonly DEFAULT_BASE_URL=https://github.com/lotus-farcaster/lotus-farcaster/releases
readonly MANIFEST=/var/lib/lotus-farcaster/installed
readonly CRON_FILE=/etc/cron.d/lotus-farcaster
readonly UNIT_DIR=/etc/systemd/system
readonly WANTS_DIR=/etc/systemd/system/timers.target.wants
# The same folders, in the same order, as textfile.DefaultCandidates in the binary.
readonly TEXTFILE_CANDIDATES=(/var/lib/prometheus/node-exporter /var/lib/node_exporter/textfile_collector)
readonly TEXTFILE_FLAG=--collector.textfile.directory
readonly EXIT_CHECK_FAILED=3

usage() {
	cat <<'EOF'
Usage: install.sh [options]
       curl -fsSL https://github.com/lotus-farcaster/lotus-farcaster/releases/latest/download/install.sh | sudo bash -s -- [options]

Installs lotus-farcaster and runs it every minute as the lotus user, for each lotus-miner
repo, writing into node_exporter's textfile folder. Non-interactive; run it again to update
(only what changed is touched).

Binary (default: the binary beside this script in an unpacked release, else the release
tarball for this OS/arch, downloaded and verified against the release's SHA256SUMS):
  --version VERSION    release to download, like v1.2.3 (default: latest)
  --base-url URL       releases URL (default: https://github.com/lotus-farcaster/lotus-farcaster/releases);
                       files are fetched from URL/latest/download/ or URL/download/vX.Y.Z/
  --binary PATH        install this binary instead of downloading
  --from-source        build with the local Go toolchain from this checkout
  --prefix DIR         install to DIR/bin/lotus-farcaster (default: /usr/local)

Detection (each overrides what is detected):
  --user NAME          the lotus user (default: owner of the running lotus-miner, else owner
                       of the ~/.lotusminer* repos under /home/* and /root)
  --miner-repo DIR     a lotus-miner repo to export; repeat for several miners (default: every
                       repo of the lotus user: $LOTUS_MINER_PATH of its running lotus-miner
                       processes, and ~/.lotusminer* folders holding an api file)
  --textfile-dir DIR   node_exporter's textfile folder (default: --collector.textfile.directory
                       of a running node_exporter, then /var/lib/prometheus/node-exporter, then
                       /var/lib/node_exporter/textfile_collector, else create the first)

Scheduling:
  --cron               /etc/cron.d/lotus-farcaster (default unless systemd runs without cron)
  --systemd            a systemd service and timer instead (default when systemd is PID 1 and
                       no cron daemon is installed)
  --no-check           do not run `lotus-farcaster --check` at the end

Other:
  --uninstall          remove what an earlier run installed (listed in /var/lib/lotus-farcaster/installed)
  --dry-run            print what would be done; change nothing
  --root DIR           for tests and packaging: prefix every path written or inspected with DIR;
                       files still name the unprefixed paths; running processes are not read
  --proc DIR           read processes from DIR instead of /proc (default: none with --root)
  -h, --help           this help

Exit status: 0 done (and the check passed), 1 error, 2 usage error,
3 installed but `lotus-farcaster --check` reported a problem.
EOF
}

# ---------------------------------------------------------------- options

ROOT=""
PROC=/proc
PROC_SET=0
PREFIX=/usr/local
BINARY=""
FROM_SOURCE=0
VERSION=latest
BASE_URL=$DEFAULT_BASE_URL
LOTUS_USER=""
MINER_REPOS=()
TEXTFILE_DIR=""
SCHEDULER=""
RUN_CHECK=1
UNINSTALL=0
DRY_RUN=0

usage_error() {
	printf 'install.sh: %s (see --help)\n' "$*" >&2
	exit 2
}

parse_args() {
	local opt val
	while (($#)); do
		opt=$1
		val=""
		case $opt in
		--*=*) val=${opt#*=} opt=${opt%%=*} ;;
		esac
		case $opt in
		--version | --base-url | --binary | --prefix | --user | --miner-repo | --textfile-dir | --root | --proc)
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
		--textfile-dir) TEXTFILE_DIR=${val%/} ;;
		--cron) SCHEDULER=cron ;;
		--systemd) SCHEDULER=systemd ;;
		--no-check) RUN_CHECK=0 ;;
		--uninstall) UNINSTALL=1 ;;
		--dry-run) DRY_RUN=1 ;;
		--root) ROOT=${val%/} ;;
		--proc) PROC=${val%/} PROC_SET=1 ;;
		-h | --help)
			usage
			exit 0
			;;
		*) usage_error "unknown option $1" ;;
		esac
		shift
	done
	if [[ -n $BINARY && $FROM_SOURCE == 1 ]]; then
		usage_error "--binary and --from-source exclude each other"
	fi
	if [[ -n $ROOT ]]; then
		[[ -d $ROOT ]] || usage_error "--root $ROOT is not a folder"
		ROOT=$(cd "$ROOT" && pwd -P)
		# Processes belong to this host, not to the root being installed into.
		[[ $PROC_SET == 1 ]] || PROC=""
	fi
	if [[ $VERSION != latest && $VERSION != v* ]]; then
		VERSION=v$VERSION
	fi
	local p
	for p in "$PREFIX" "$TEXTFILE_DIR" ${MINER_REPOS[@]+"${MINER_REPOS[@]}"}; do
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

# did PAST PRESENT WHAT...: one line per action, "would ..." in a dry run.
did() {
	local past=$1 present=$2
	shift 2
	if ((DRY_RUN)); then
		say "would $present $*"
	else
		say "$past $*"
	fi
}

# host PATH: where a path of the installed system is on this machine (under --root).
host() { printf '%s%s' "$ROOT" "$1"; }

# safe_path PATH: absolute, and nothing that needs quoting in a cron line or a unit file.
safe_path() { [[ $1 == /* && $1 =~ ^[A-Za-z0-9._/@+-]+$ && $1 != *//* ]]; }

is_live_systemd() { [[ -z $ROOT && -d /run/systemd/system ]] && command -v systemctl >/dev/null; }

WORK=""
cleanup() { [[ -z $WORK ]] || rm -rf "$WORK"; }

# ---------------------------------------------------------------- the manifest

# ENTRIES lists what this installer put on the host, one "TYPE PATH [DETAIL]" each:
#   dir PATH                a folder it created (removed on uninstall when empty)
#   file PATH               a file it wrote (binary, cron file, units)
#   link PATH               a symlink it made (enabled timers)
#   owned PATH              a file lotus-farcaster writes (.prom, its lock)
#   perm PATH UID GID MODE  the owner group and mode of PATH before it granted write access
#   repo PATH [LOTUS_PATH]  a lotus-miner repo it exports, and its daemon repo when not ~/.lotus
#   textfile PATH           the textfile folder it chose
ENTRIES=()
# DESIRED lists the file, link and owned entries of this run; earlier ones not in it are removed.
DESIRED=()

load_manifest() {
	local m line
	m=$(host "$MANIFEST")
	[[ -f $m ]] || return 1
	while IFS= read -r line; do
		case $line in '' | '#'* | 'version '*) continue ;; esac
		ENTRIES+=("$line")
	done <"$m"
}

has_entry() {
	local e
	for e in ${ENTRIES[@]+"${ENTRIES[@]}"}; do
		[[ $e == "$1" ]] && return 0
	done
	return 1
}

add_entry() { has_entry "$1" || ENTRIES+=("$1"); }

drop_entry() {
	local e kept=()
	for e in ${ENTRIES[@]+"${ENTRIES[@]}"}; do
		[[ $e == "$1" ]] || kept+=("$e")
	done
	ENTRIES=(${kept[@]+"${kept[@]}"})
}

desire() {
	add_entry "$1"
	DESIRED+=("$1")
}

is_desired() {
	local e
	for e in ${DESIRED[@]+"${DESIRED[@]}"}; do
		[[ $e == "$1" ]] && return 0
	done
	return 1
}

# save_manifest [final]: write ENTRIES whenever they change, so an interrupted run can still
# be uninstalled; only the final call reports, once.
MANIFEST_CHANGED=0
save_manifest() {
	local e h tmp
	{
		printf '%s\n' "# What lotus-farcaster's install.sh put on this host; install.sh --uninstall removes it." "version 1"
		for e in ${ENTRIES[@]+"${ENTRIES[@]}"}; do
			printf '%s\n' "$e"
		done
	} >"$WORK/manifest"
	h=$(host "$MANIFEST")
	if [[ ! -f $h ]] || ! same_content "$WORK/manifest" "$h"; then
		MANIFEST_CHANGED=1
		if ((!DRY_RUN)); then
			ensure_dir "${MANIFEST%/*}"
			tmp=$(mktemp "${h%/*}/.$PROGRAM-install.XXXXXX")
			cat "$WORK/manifest" >"$tmp"
			chmod 644 "$tmp"
			mv -f "$tmp" "$h"
		fi
	fi
	[[ ${1:-} == final ]] || return 0
	((!DRY_RUN || !MANIFEST_CHANGED)) || ensure_dir "${MANIFEST%/*}"
	if ((MANIFEST_CHANGED)); then
		did wrote write "$MANIFEST"
	else
		say "unchanged $MANIFEST"
	fi
}

# ---------------------------------------------------------------- file operations (all logged)

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

same_content() {
	if command -v cmp >/dev/null; then
		cmp -s "$1" "$2"
	else
		[[ $(sha256sum <"$1") == "$(sha256sum <"$2")" ]]
	fi
}

# put_file SOURCE TARGET MODE PAST PRESENT: replace TARGET atomically unless it already
# has this content and mode. Sets CHANGED.
CHANGED=0
put_file() {
	local src=$1 target=$2 mode=$3 past=$4 present=$5 h tmp
	h=$(host "$target")
	CHANGED=0
	if [[ -f $h && ! -L $h ]] && same_content "$src" "$h" && [[ $(stat -c %a "$h") == "$mode" ]]; then
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
	did "$past" "$present" "$target"
}

# write_file TARGET MODE CONTENT
write_file() {
	printf '%s' "$3" >"$WORK/content"
	put_file "$WORK/content" "$1" "$2" wrote write
}

# make_link TARGET POINTS_TO
make_link() {
	local h
	h=$(host "$1")
	if [[ -L $h && $(readlink "$h") == "$2" ]]; then
		say "unchanged $1"
		return 0
	fi
	ensure_dir "${1%/*}"
	((DRY_RUN)) || ln -sfn "$2" "$h"
	did linked link "$1 -> $2"
}

# remove_path PATH: remove a file or symlink if it is there.
remove_path() {
	local h
	h=$(host "$1")
	[[ -e $h || -L $h ]] || return 0
	((DRY_RUN)) || rm -f "$h"
	did removed remove "$1"
}

# ---------------------------------------------------------------- processes (under $PROC)

# cmdline_of PIDDIR: the process's argv, one per line.
cmdline_of() { tr '\0' '\n' <"$1/cmdline" 2>/dev/null; }

# env_of PIDDIR NAME: the value of NAME in the process's environment (needs root for others).
env_of() {
	{ tr '\0' '\n' <"$1/environ"; } 2>/dev/null | sed -n "s/^$2=//p" | head -n 1 || true
}

# lotus_miner_pids: process folders of running lotus-miner, in /proc order.
lotus_miner_pids() {
	local d argv
	[[ -n $PROC ]] || return 0
	for d in "$PROC"/[0-9]*; do
		argv=$(cmdline_of "$d" | head -n 1) || continue
		[[ ${argv##*/} == lotus-miner ]] && printf '%s\n' "$d"
	done
	return 0
}

# textfile_from_processes: the textfile folder of the first node_exporter with the flag,
# exactly as textfile.DetectDir does. Prints "PATH<newline>HOW".
textfile_from_processes() {
	local d args name i dir cwd
	[[ -n $PROC ]] || return 1
	for d in "$PROC"/[0-9]*; do
		mapfile -t args < <(cmdline_of "$d")
		((${#args[@]})) || continue
		name=${args[0]##*/}
		[[ $name == node_exporter || $name == prometheus-node-exporter ]] || continue
		dir=""
		for ((i = 1; i < ${#args[@]}; i++)); do
			if [[ ${args[i]} == "$TEXTFILE_FLAG="* ]]; then
				dir=${args[i]#*=}
				break
			elif [[ ${args[i]} == "$TEXTFILE_FLAG" ]] && ((i + 1 < ${#args[@]})); then
				dir=${args[i + 1]}
				break
			fi
		done
		[[ -n $dir ]] || continue
		if [[ $dir != /* ]]; then
			cwd=$(readlink "$d/cwd") || continue
			dir=$cwd/${dir#./}
		fi
		printf '%s\n%s\n' "${dir%/}" "$TEXTFILE_FLAG of running $name (pid ${d##*/})"
		return 0
	done
	return 1
}

# ---------------------------------------------------------------- detection

USER_HOME=""
USER_GROUP=""
REPOS=()
declare -A REPO_LOTUS_PATH=()
TEXTFILE_HOW=""
TEXTFILE_CREATE=0
NODE_EXPORTER_SEEN=0

user_home() { getent passwd "$1" | cut -d: -f6; }

# expand_home PATH HOME: Lotus expands a leading ~/ in its repo variables.
expand_home() {
	case $1 in
	\~/*) printf '%s/%s' "$2" "${1#\~/}" ;;
	*) printf '%s' "$1" ;;
	esac
}

# scan_repos: "OWNER PATH" for each ~/.lotusminer* folder holding an api file.
scan_repos() {
	local h r extra=""
	if [[ -n $USER_HOME && $USER_HOME != /home/* && $USER_HOME != /root ]]; then
		extra=$(host "$USER_HOME")
	fi
	for h in "$(host /root)" "$(host /home)"/* ${extra:+"$extra"}; do
		for r in "$h"/.lotusminer*; do
			[[ -d $r && -f $r/api ]] || continue
			printf '%s %s\n' "$(stat -c %U "$r")" "${r#"$ROOT"}"
		done
	done
	return 0
}

detect_user() {
	local how="--user" d owners=()
	if [[ -z $LOTUS_USER ]]; then
		mapfile -t owners < <(lotus_miner_pids | while read -r d; do stat -c %U "$d"; done | sort -u)
		how="owner of the running lotus-miner"
		if ((${#owners[@]} == 0)); then
			mapfile -t owners < <(scan_repos | cut -d' ' -f1 | sort -u)
			how="owner of its lotus-miner repo"
		fi
		case ${#owners[@]} in
		0) die "no lotus user found: no lotus-miner runs and no ~/.lotusminer repo with an api file is in /home/* or /root; pass --user and --miner-repo" ;;
		1) LOTUS_USER=${owners[0]} ;;
		*) die "several users run lotus-miner or own repos (${owners[*]}); pass --user" ;;
		esac
	fi
	[[ $LOTUS_USER != UNKNOWN ]] || die "the lotus-miner repo belongs to a user without a name; pass --user"
	getent passwd "$LOTUS_USER" >/dev/null || die "user $LOTUS_USER does not exist"
	USER_HOME=$(user_home "$LOTUS_USER")
	USER_GROUP=$(id -gn "$LOTUS_USER")
	say "lotus user: $LOTUS_USER ($how)"
}

add_repo() {
	local repo=$1 lotus_path=$2 r
	for r in ${REPOS[@]+"${REPOS[@]}"}; do
		[[ $r == "$repo" ]] && return 0
	done
	REPOS+=("$repo")
	# The daemon repo: LOTUS_PATH of the miner's process, else a .lotus beside the miner repo.
	if [[ -z $lotus_path && -d $(host "${repo%/*}/.lotus") ]]; then
		lotus_path=${repo%/*}/.lotus
	fi
	# ~/.lotus is where the binary looks anyway.
	[[ $lotus_path == "$USER_HOME/.lotus" ]] && lotus_path=""
	REPO_LOTUS_PATH[$repo]=$lotus_path
}

detect_repos() {
	local d repo lp uid owner
	if ((${#MINER_REPOS[@]})); then
		for repo in "${MINER_REPOS[@]}"; do
			[[ -d $(host "$repo") ]] || die "--miner-repo $repo: no such folder"
			[[ -f $(host "$repo/api") ]] || warn "$repo has no api file: is its lotus-miner running?"
			add_repo "$repo" ""
		done
	else
		uid=$(id -u "$LOTUS_USER")
		while read -r d; do
			[[ $(stat -c %u "$d") == "$uid" ]] || continue
			repo=$(env_of "$d" LOTUS_MINER_PATH)
			[[ -n $repo ]] || repo=$(env_of "$d" LOTUS_STORAGE_PATH)
			[[ -n $repo ]] || repo=$USER_HOME/.lotusminer
			repo=$(expand_home "$repo" "$USER_HOME")
			lp=$(env_of "$d" LOTUS_PATH)
			[[ -z $lp ]] || lp=$(expand_home "$lp" "$USER_HOME")
			repo=${repo%/}
			safe_path "$repo" || die "lotus-miner (pid ${d##*/}) uses the repo $repo, which this installer cannot quote; pass --miner-repo"
			[[ -z $lp ]] || safe_path "$lp" || lp=""
			if [[ -d $(host "$repo") ]]; then
				add_repo "$repo" "$lp"
			fi
		done < <(lotus_miner_pids)
		while read -r owner repo; do
			[[ $owner == "$LOTUS_USER" ]] || continue
			safe_path "$repo" || die "$repo cannot be quoted in a cron line; pass --miner-repo"
			add_repo "$repo" ""
		done < <(scan_repos)
		# A miner that is down now (its process gone, its api file perhaps too) keeps its job.
		while read -r repo lp; do
			if [[ -d $(host "$repo") ]]; then
				add_repo "$repo" "$lp"
			fi
		done < <(earlier repo)
		((${#REPOS[@]})) || die "no lotus-miner repo of $LOTUS_USER found (LOTUS_MINER_PATH of its lotus-miner, ~/.lotusminer* with an api file); pass --miner-repo"
	fi
	mapfile -t REPOS < <(printf '%s\n' "${REPOS[@]}" | sort)
	for repo in "${REPOS[@]}"; do
		say "miner repo: $repo${REPO_LOTUS_PATH[$repo]:+ (daemon repo ${REPO_LOTUS_PATH[$repo]})}"
		desire "repo $repo${REPO_LOTUS_PATH[$repo]:+ ${REPO_LOTUS_PATH[$repo]}}"
	done
}

# earlier TYPE: the rest of each manifest entry of TYPE from an earlier run.
earlier() {
	local e
	for e in ${ENTRIES[@]+"${ENTRIES[@]}"}; do
		[[ $e != "$1 "* ]] || printf '%s\n' "${e#"$1 "}"
	done
}

# detect_textfile_dir: the same order as the binary; a folder nobody has yet is created.
detect_textfile_dir() {
	local found c before
	before=$(earlier textfile | head -n 1)
	if [[ -n $TEXTFILE_DIR ]]; then
		TEXTFILE_HOW="--textfile-dir"
	elif found=$(textfile_from_processes); then
		TEXTFILE_DIR=${found%%$'\n'*}
		TEXTFILE_HOW=${found#*$'\n'}
		NODE_EXPORTER_SEEN=1
		safe_path "$TEXTFILE_DIR" || die "node_exporter's textfile folder $TEXTFILE_DIR cannot be quoted in a cron line; pass --textfile-dir"
	elif [[ -n $before && -d $(host "$before") ]]; then
		# node_exporter may just be down: keep the folder an earlier run chose.
		TEXTFILE_DIR=$before
		TEXTFILE_HOW="chosen by an earlier run; no running node_exporter names another"
	else
		for c in "${TEXTFILE_CANDIDATES[@]}"; do
			if [[ -d $(host "$c") ]]; then
				TEXTFILE_DIR=$c
				TEXTFILE_HOW="existing folder"
				break
			fi
		done
		if [[ -z $TEXTFILE_DIR ]]; then
			TEXTFILE_DIR=${TEXTFILE_CANDIDATES[0]}
			TEXTFILE_HOW="no node_exporter folder found; creating the Debian/Ubuntu default"
			TEXTFILE_CREATE=1
		fi
	fi
	say "textfile folder: $TEXTFILE_DIR ($TEXTFILE_HOW)"
	desire "textfile $TEXTFILE_DIR"
	plan_textfile_access
}

# plan_textfile_access: decide, before changing anything, whether the lotus user needs to be
# granted write access to the textfile folder, and whether that is safe. Sets GRANT.
GRANT=0
plan_textfile_access() {
	local h mode
	h=$(host "$TEXTFILE_DIR")
	[[ $(id -u "$LOTUS_USER") != 0 ]] || return 0
	if [[ ! -d $h ]]; then
		GRANT=1 # it will be created root-owned
		return 0
	fi
	user_can_write "$h" && return 0
	mode=$(stat -c %a "$h")
	if (((8#$mode & 8#005) != 8#005)); then
		die "$TEXTFILE_DIR (mode $mode) is not readable by all, so changing its group could lock node_exporter out; let $LOTUS_USER write to it yourself (e.g. setfacl -m u:$LOTUS_USER:rwx $TEXTFILE_DIR) and re-run"
	fi
	GRANT=1
}

detect_scheduler() {
	local c has_cron=0
	if [[ -z $SCHEDULER ]]; then
		for c in /usr/sbin/cron /usr/sbin/crond /usr/bin/crond /usr/bin/cron /sbin/crond; do
			[[ -x $(host "$c") ]] && has_cron=1
		done
		if [[ -d $(host /run/systemd/system) && $has_cron == 0 ]]; then
			SCHEDULER=systemd
		else
			SCHEDULER=cron
			[[ $has_cron == 1 ]] || warn "no cron daemon found; install cron, or re-run with --systemd"
		fi
	fi
	say "schedule: every minute via $SCHEDULER"
}

# warn_user_crontab: the README's manual setup would run a second copy every minute.
warn_user_crontab() {
	local f
	for f in "/var/spool/cron/crontabs/$LOTUS_USER" "/var/spool/cron/$LOTUS_USER"; do
		if [[ -r $(host "$f") ]] && grep -q "$PROGRAM" "$(host "$f")"; then
			warn "$LOTUS_USER's crontab ($f) also runs $PROGRAM; remove that line (crontab -e -u $LOTUS_USER)"
		fi
	done
	return 0
}

# ---------------------------------------------------------------- the binary

detect_arch() {
	[[ $(uname -s) == Linux ]] || die "releases are built for Linux only; use --binary or --from-source"
	case $(uname -m) in
	x86_64 | amd64) echo amd64 ;;
	aarch64 | arm64) echo arm64 ;;
	*) die "no release for $(uname -m); use --binary or --from-source" ;;
	esac
}

fetch() {
	if command -v curl >/dev/null; then
		curl -fsSL --retry 3 -o "$2" "$1" || die "download failed: $1"
	elif command -v wget >/dev/null; then
		wget -q -O "$2" "$1" || die "download failed: $1"
	else
		die "neither curl nor wget is installed"
	fi
	say "downloaded $1"
}

sha256_of() { sha256sum <"$1" | cut -d' ' -f1; }

# download_release: fetch SHA256SUMS, find this arch's tarball in it, fetch and verify that.
# SHA256SUMS names the tarball, so "latest" needs no API call to learn the version.
download_release() {
	local arch url name want got unpacked
	arch=$(detect_arch)
	if [[ $VERSION == latest ]]; then
		url=$BASE_URL/latest/download
	else
		url=$BASE_URL/download/$VERSION
	fi
	fetch "$url/SHA256SUMS" "$WORK/SHA256SUMS"
	name=$(awk '{ sub(/^\*/, "", $2); print $2 }' "$WORK/SHA256SUMS" |
		grep -E "^$PROGRAM-[^/]+-linux-$arch\.tar\.gz$" | head -n 1) ||
		die "$url/SHA256SUMS lists no $PROGRAM-*-linux-$arch.tar.gz"
	want=$(awk -v n="$name" '{ f = $2; sub(/^\*/, "", f) } f == n { print $1; exit }' "$WORK/SHA256SUMS")
	fetch "$url/$name" "$WORK/$name"
	got=$(sha256_of "$WORK/$name")
	[[ $got == "$want" ]] || die "checksum mismatch for $name: SHA256SUMS says $want, the download is $got; nothing installed"
	say "verified $name against SHA256SUMS"
	unpacked=$WORK/unpacked
	mkdir "$unpacked"
	tar -xzf "$WORK/$name" -C "$unpacked" || die "cannot unpack $name"
	BINARY=$unpacked/${name%.tar.gz}/$PROGRAM
	[[ -f $BINARY ]] || die "$name holds no ${name%.tar.gz}/$PROGRAM"
}

build_from_source() {
	local go version revision
	[[ -n $SCRIPT_DIR && -f $SCRIPT_DIR/go.mod ]] || die "--from-source needs install.sh inside a checkout"
	go=$(command -v go || echo /usr/local/go/bin/go)
	[[ -x $go ]] || die "--from-source: no Go toolchain (go) in PATH or /usr/local/go/bin"
	version=$(git -C "$SCRIPT_DIR" describe --tags --always --dirty 2>/dev/null || echo dev)
	revision=$(git -C "$SCRIPT_DIR" rev-parse HEAD 2>/dev/null || echo unknown)
	if ((DRY_RUN)); then
		say "would build $PROGRAM ${version#v} from $SCRIPT_DIR with $go"
		BINARY=""
		return 0
	fi
	(cd "$SCRIPT_DIR" && CGO_ENABLED=0 "$go" build -trimpath -buildvcs=false \
		-ldflags "-X github.com/prometheus/common/version.Version=${version#v} -X github.com/prometheus/common/version.Revision=$revision" \
		-o "$WORK/$PROGRAM" .) || die "go build failed"
	say "built $PROGRAM ${version#v} from $SCRIPT_DIR"
	BINARY=$WORK/$PROGRAM
}

# obtain_binary: sets BINARY to a verified lotus-farcaster for this host (empty in a dry run
# of --from-source) before anything on the host is changed.
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
	[[ -n $BINARY ]] || return 0
	out=$("$BINARY" --version 2>&1) || true
	[[ $out == "$PROGRAM, version "* ]] || die "$BINARY is not a $PROGRAM binary for this machine (--version said: ${out%%$'\n'*})"
	out=${out#"$PROGRAM, version "}
	out=${out%% *}
	say "binary: $PROGRAM ${out:-(no version stamped)} ($BINARY)"
}

install_binary() {
	local target=$PREFIX/bin/$PROGRAM
	desire "file $target"
	if [[ -z $BINARY ]]; then
		ensure_dir "$PREFIX/bin"
		say "would install $target"
		return 0
	fi
	put_file "$BINARY" "$target" 755 installed install
}

# ---------------------------------------------------------------- textfile folder access

user_can_write() {
	local dir=$1 uid owner group mode g
	uid=$(id -u "$LOTUS_USER")
	[[ $uid == 0 ]] && return 0
	read -r owner group mode < <(stat -c '%u %g %a' "$dir")
	mode=$((8#$mode))
	((owner == uid && (mode & 8#300) == 8#300)) && return 0
	for g in $(id -G "$LOTUS_USER"); do
		((g == group && (mode & 8#030) == 8#030)) && return 0
	done
	(((mode & 8#003) == 8#003)) && return 0
	if command -v getfacl >/dev/null && getfacl -cp "$dir" 2>/dev/null | grep -q "^user:$LOTUS_USER:.wx"; then
		return 0
	fi
	return 1
}

prepare_textfile_dir() {
	local h e owner group mode was
	h=$(host "$TEXTFILE_DIR")
	ensure_dir "$TEXTFILE_DIR"
	if ((TEXTFILE_CREATE)); then
		say "node_exporter not found: install it (Debian/Ubuntu: apt install prometheus-node-exporter, which reads $TEXTFILE_DIR), or start node_exporter with $TEXTFILE_FLAG=$TEXTFILE_DIR"
	elif ((!NODE_EXPORTER_SEEN)) && [[ -n $PROC ]]; then
		say "note: no running node_exporter names its textfile folder; make sure it runs with $TEXTFILE_FLAG=$TEXTFILE_DIR"
	fi
	# Keep the record of a change made by an earlier run, so --uninstall can revert it.
	for e in ${ENTRIES[@]+"${ENTRIES[@]}"}; do
		[[ $e == "perm $TEXTFILE_DIR "* ]] && DESIRED+=("$e")
	done
	if ((!GRANT)); then
		say "access: $LOTUS_USER can write to $TEXTFILE_DIR"
		return 0
	fi
	if [[ ! -d $h ]]; then # a dry run that would create it
		say "would grant group $USER_GROUP write access to $TEXTFILE_DIR"
		return 0
	fi
	read -r owner group mode < <(stat -c '%u %g %a' "$h")
	was=$(stat -c '%U:%G %a' "$h")
	desire "perm $TEXTFILE_DIR $owner $group $mode"
	if ((!DRY_RUN)); then
		save_manifest # record the old state before changing it
		chgrp "$USER_GROUP" "$h"
		chmod g+rwx "$h"
	fi
	did granted grant "group $USER_GROUP write access to $TEXTFILE_DIR (was $was; --uninstall reverts it)"
}

revert_perm() { # PATH GID MODE
	local h
	h=$(host "$1")
	[[ -d $h ]] || return 0
	if ((!DRY_RUN)); then
		chgrp "$2" "$h"
		chmod "$3" "$h"
	fi
	did restored restore "group $2 and mode $3 of $1"
}

# ---------------------------------------------------------------- scheduling

# command_line REPO: the environment and command that export one miner.
command_line() {
	local repo=$1 lp=${REPO_LOTUS_PATH[$1]}
	printf '%sLOTUS_MINER_PATH=%s %s/bin/%s --textfile-dir %s' "${lp:+LOTUS_PATH=$lp }" "$repo" "$PREFIX" "$PROGRAM" "$TEXTFILE_DIR"
}

install_cron() {
	local content repo
	content="# lotus-farcaster: Lotus metrics for node_exporter, every minute, one line per lotus-miner repo.
# Written by install.sh; re-run it to update, or remove with install.sh --uninstall.
SHELL=/bin/sh
PATH=/usr/bin:/bin
"
	for repo in "${REPOS[@]}"; do
		content+="* * * * * $LOTUS_USER $(command_line "$repo") 2>&1 | logger -t $PROGRAM"$'\n'
	done
	desire "file $CRON_FILE"
	write_file "$CRON_FILE" 644 "$content"
}

# systemd_escape_path PATH: like `systemd-escape --path`, for unit instance names.
systemd_escape_path() {
	local p=${1#/} out="" c i
	for ((i = 0; i < ${#p}; i++)); do
		c=${p:i:1}
		if [[ $c == / ]]; then
			out+=-
		elif [[ $c =~ [A-Za-z0-9:_] || ($c == . && $i -gt 0) ]]; then
			out+=$c
		else
			out+=$(printf '\\x%02x' "'$c")
		fi
	done
	printf '%s' "$out"
}

# service_unit MINER_PATH LOTUS_PATH DESCRIPTION_SUFFIX: a root lotus user keeps its
# capabilities, since it may reach files of other owners only through them.
service_unit() {
	local drop_caps=1
	[[ $(id -u "$LOTUS_USER") != 0 ]] || drop_caps=""
	cat <<EOF
# Written by lotus-farcaster's install.sh; re-run it to update, or remove with install.sh --uninstall.
[Unit]
Description=lotus-farcaster: Lotus metrics for node_exporter$3
Documentation=https://github.com/lotus-farcaster/lotus-farcaster
After=network-online.target

[Service]
Type=oneshot
User=$LOTUS_USER
Environment=LOTUS_MINER_PATH=$1
${2:+Environment=LOTUS_PATH=$2
}ExecStart=$PREFIX/bin/$PROGRAM --textfile-dir $TEXTFILE_DIR
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
	if [[ -n $drop_caps ]]; then
		echo "CapabilityBoundingSet="
	fi
}

timer_unit() { # DESCRIPTION_SUFFIX
	cat <<EOF
# Written by lotus-farcaster's install.sh; re-run it to update, or remove with install.sh --uninstall.
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
	desire "file $UNIT_DIR/$1"
	write_file "$UNIT_DIR/$1" 644 "$2"$'\n'
	((CHANGED)) && UNITS_CHANGED=1
	return 0
}

# install_systemd: one miner gets lotus-farcaster.service and .timer; several get the
# templates lotus-farcaster@.service and .timer, one instance per repo, named after its
# path (systemd-escape --path), whose %f is the repo; a LOTUS_PATH goes into a drop-in.
install_systemd() {
	local repo inst lp service timer
	if ((${#REPOS[@]} == 1)); then
		repo=${REPOS[0]}
		service=$(service_unit "$repo" "${REPO_LOTUS_PATH[$repo]}" "")
		timer=$(timer_unit "")
		put_unit "$PROGRAM.service" "$service"
		put_unit "$PROGRAM.timer" "$timer"
		desire "link $WANTS_DIR/$PROGRAM.timer"
		make_link "$WANTS_DIR/$PROGRAM.timer" "$UNIT_DIR/$PROGRAM.timer"
		TIMERS=("$PROGRAM.timer")
	else
		service=$(service_unit "%f" "" " (miner repo %f)")
		timer=$(timer_unit " (miner repo %f)")
		put_unit "$PROGRAM@.service" "$service"
		put_unit "$PROGRAM@.timer" "$timer"
		TIMERS=()
		for repo in "${REPOS[@]}"; do
			inst=$(systemd_escape_path "$repo")
			lp=${REPO_LOTUS_PATH[$repo]}
			if [[ -n $lp ]]; then
				put_unit "$PROGRAM@$inst.service.d/lotus-path.conf" "[Service]"$'\n'"Environment=LOTUS_PATH=$lp"
			fi
			desire "link $WANTS_DIR/$PROGRAM@$inst.timer"
			make_link "$WANTS_DIR/$PROGRAM@$inst.timer" "$UNIT_DIR/$PROGRAM@.timer"
			TIMERS+=("$PROGRAM@$inst.timer")
		done
	fi
}

start_timers() {
	local t
	is_live_systemd || return 0
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

# ---------------------------------------------------------------- the check

CHECK_FAILED=0

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

# check_repo REPO: `lotus-farcaster --check` as the lotus user, with the environment cron gives it.
check_repo() {
	local repo=$1 lp=${REPO_LOTUS_PATH[$1]} out rc id line
	local env=(HOME="$(host "$USER_HOME")" PATH=/usr/bin:/bin LOTUS_MINER_PATH="$(host "$repo")")
	[[ -z $lp ]] || env+=(LOTUS_PATH="$(host "$lp")")
	if ((DRY_RUN)); then
		say "would run $PROGRAM --check as $LOTUS_USER for $repo"
		return 0
	fi
	rc=0
	out=$(cd / && run_as_lotus_user env -i "${env[@]}" "$(host "$PREFIX/bin/$PROGRAM")" --check --textfile-dir "$(host "$TEXTFILE_DIR")" </dev/null 2>&1) || rc=$?
	id=$(printf '%s\n' "$out" | sed -n 's/^ *miner ID: *//p' | head -n 1)
	if [[ $id =~ ^[ft]0[0-9]+$ ]]; then
		desire "owned $TEXTFILE_DIR/lotus-$id.prom"
		desire "owned $TEXTFILE_DIR/.lotus-$id.prom.lock"
	fi
	if ((rc == 0)); then
		say "check $repo: verdict OK; metrics file $TEXTFILE_DIR/lotus-$id.prom (written every minute)"
		return 0
	fi
	CHECK_FAILED=1
	say "check $repo: PROBLEM (lotus-farcaster --check exit $rc):"
	while IFS= read -r line; do say "    $line"; done <<<"$out"
	say "    metrics file: $TEXTFILE_DIR/lotus-${id:-<miner id>}.prom; fix the above, then: sudo -u $LOTUS_USER env LOTUS_MINER_PATH=$repo $PREFIX/bin/$PROGRAM --check"
}

# ---------------------------------------------------------------- reconcile and uninstall

is_unit_path() { [[ $1 == "$UNIT_DIR"/* ]]; }

# stop_unit_of PATH: stop a live timer before its files go away.
stop_unit_of() {
	local name=${1##*/}
	is_live_systemd || return 0
	[[ $name == *.timer && $name != *@.timer ]] || return 0
	if ((!DRY_RUN)); then
		systemctl stop "$name" 2>/dev/null || true
	fi
	did stopped stop "$name"
}

# undo_entry ENTRY: remove what one manifest entry describes (not folders).
undo_entry() {
	local type path uid gid mode tmp
	read -r type path uid gid mode <<<"$1"
	case $type in
	file | link)
		if is_unit_path "$path"; then
			stop_unit_of "$path"
			UNITS_CHANGED=1
		fi
		remove_path "$path"
		;;
	owned)
		remove_path "$path"
		# Temp files of a killed run: ".lotus-f01234.prom.<random>.tmp".
		for tmp in "$(host "${path%/*}")/.${path##*/}".*.tmp; do
			if [[ -e $tmp ]]; then
				remove_path "${tmp#"$ROOT"}"
			fi
		done
		;;
	perm) revert_perm "$path" "$gid" "$mode" ;;
	esac
	return 0
}

# drop_stale: remove what an earlier run installed and this one no longer wants
# (another scheduler, another prefix or textfile folder, a miner repo that is gone).
drop_stale() {
	local e
	for e in ${ENTRIES[@]+"${ENTRIES[@]}"}; do
		case $e in dir\ *) continue ;; esac
		# .prom files of a miner whose check failed this time are still ours.
		[[ $e == "owned $TEXTFILE_DIR/"* ]] && continue
		is_desired "$e" && continue
		undo_entry "$e"
		drop_entry "$e"
	done
}

uninstall() {
	local e i dirs=() h
	if ! load_manifest; then
		say "nothing to uninstall: $MANIFEST does not exist"
		return 0
	fi
	UNITS_CHANGED=0
	for e in ${ENTRIES[@]+"${ENTRIES[@]}"}; do
		case $e in
		dir\ *) dirs+=("${e#dir }") ;;
		*) undo_entry "$e" ;;
		esac
	done
	remove_path "$MANIFEST"
	for ((i = ${#dirs[@]} - 1; i >= 0; i--)); do
		h=$(host "${dirs[i]}")
		[[ -d $h ]] || continue
		if ((DRY_RUN)); then
			say "would remove ${dirs[i]} if empty"
		elif rmdir "$h" 2>/dev/null; then
			say "removed ${dirs[i]}"
		else
			say "kept ${dirs[i]}: not empty"
		fi
	done
	if ((UNITS_CHANGED)) && is_live_systemd; then
		((DRY_RUN)) || systemctl daemon-reload
		did reloaded reload "systemd"
	fi
	if ((DRY_RUN)); then
		say "dry run: nothing was changed"
	else
		say "uninstalled $PROGRAM"
	fi
}

# ---------------------------------------------------------------- main

install() {
	load_manifest || true
	# Everything that can fail without changing the host comes first.
	detect_user
	detect_repos
	detect_textfile_dir
	detect_scheduler
	warn_user_crontab
	obtain_binary

	save_manifest
	install_binary
	save_manifest
	prepare_textfile_dir
	if [[ $SCHEDULER == cron ]]; then
		install_cron
	else
		install_systemd
	fi
	save_manifest
	drop_stale
	start_timers
	save_manifest

	if ((RUN_CHECK)); then
		local repo
		for repo in "${REPOS[@]}"; do
			check_repo "$repo"
		done
	fi
	save_manifest final
	if ((DRY_RUN)); then
		say "dry run: nothing was changed"
	elif ((CHECK_FAILED)); then
		say "installed $PROGRAM, but the check found a problem (above); it runs every minute as $LOTUS_USER regardless"
		exit "$EXIT_CHECK_FAILED"
	else
		say "done: $PROGRAM runs every minute as $LOTUS_USER via $SCHEDULER for ${#REPOS[@]} miner repo(s); remove with install.sh --uninstall"
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
		warn "not root: processes of other users cannot be read"
	fi
	WORK=$(mktemp -d)
	trap cleanup EXIT
	((DRY_RUN)) && say "dry run: nothing will be changed"
	if ((UNINSTALL)); then
		uninstall
	else
		install
	fi
}

main "$@"
