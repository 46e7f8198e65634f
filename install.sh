#!/usr/bin/env bash
# install.sh: get lotus-farcaster and hand over to `lotus-farcaster setup`, which installs or removes it.
#
#   curl -fsSL https://github.com/lotus-farcaster/lotus-farcaster/releases/latest/download/install.sh | sudo bash
#   curl -fsSL .../install.sh | sudo bash -s -- --systemd      # options after "bash -s --"
#   sudo ./install.sh [options]                                # from a checkout or an unpacked release
#
# This script only gets the binary: the release for this machine, verified against the
# release's SHA256SUMS (or --binary, --from-source, or the one beside this script in an
# unpacked release). The binary decides and changes everything: see `lotus-farcaster setup --help`.
# Needs bash, coreutils, and curl or wget.
set -euo pipefail
export LC_ALL=C
umask 022

readonly PROGRAM=lotus-farcaster
readonly MANIFEST=/var/lib/lotus-farcaster/installed

usage() {
	cat <<'EOF2'
Usage: install.sh [options]
       curl -fsSL https://github.com/lotus-farcaster/lotus-farcaster/releases/latest/download/install.sh | sudo bash -s -- [options]

Gets lotus-farcaster and runs `lotus-farcaster setup`, which installs it to run every minute
as the lotus user, one job per lotus-miner repo, writing into node_exporter's textfile
folder. Run it again to update. Details: docs/install.md.

Getting the binary:
  --version VERSION    release to download, like v1.2.3 (default: latest)
  --base-url URL       releases URL (default: https://github.com/lotus-farcaster/lotus-farcaster/releases)
  --binary PATH        install this binary instead (left in place if it already is PREFIX/bin/lotus-farcaster)
  --from-source        build with the local Go toolchain from this checkout

Passed on to lotus-farcaster setup (see its --help):
  --prefix DIR  --user NAME  --miner-repo DIR  --miner ID[,ID...]  --textfile-dir DIR
  --cron  --systemd  --no-check  --uninstall  --keep-data  --dry-run  --root DIR

Exit status: 0 done and the check passed, 1 error, 2 usage error, 3 installed but
`lotus-farcaster --check` reported a problem.
EOF2
}

usage_error() {
	printf 'install.sh: %s (see --help)\n' "$*" >&2
	exit 2
}
say() { printf '%s\n' "$*"; }
die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

ROOT="" BINARY="" FROM_SOURCE=0 VERSION=latest UNINSTALL=0 KEEP_DATA=0 DRY_RUN=0 MINER=0 MINER_REPO=0
BASE_URL=https://github.com/lotus-farcaster/lotus-farcaster/releases
SETUP_ARGS=()

parse_args() {
	local opt val
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
		--prefix | --user | --miner-repo | --miner | --textfile-dir | --root)
			SETUP_ARGS+=("$opt" "$val")
			[[ $opt != --root ]] || ROOT=${val%/}
			[[ $opt != --miner ]] || MINER=1
			[[ $opt != --miner-repo ]] || MINER_REPO=1
			;;
		--uninstall) UNINSTALL=1 SETUP_ARGS+=("$opt") ;;
		--keep-data) KEEP_DATA=1 SETUP_ARGS+=("$opt") ;;
		--dry-run) DRY_RUN=1 SETUP_ARGS+=("$opt") ;;
		--cron | --systemd | --no-check) SETUP_ARGS+=("$opt") ;;
		-h | --help)
			usage
			exit 0
			;;
		*) usage_error "unknown option $1" ;;
		esac
		shift
	done
	# Refused before anything is downloaded; setup checks them again.
	[[ -z $BINARY || $FROM_SOURCE == 0 ]] || usage_error "--binary and --from-source exclude each other"
	[[ $KEEP_DATA == 0 || $UNINSTALL == 1 ]] || usage_error "--keep-data goes with --uninstall"
	[[ $MINER == 0 || $MINER_REPO == 0 ]] || usage_error "--miner and --miner-repo exclude each other"
	[[ $VERSION == latest || $VERSION == v* ]] || VERSION=v$VERSION
}

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

# build_from_source: into the work folder, in a dry run too, since setup runs the binary.
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

# installed_binary: for --uninstall, the binary an earlier run installed (the record names
# it), or the package's; "" when neither is there.
installed_binary() {
	local path
	path=$(sed -n "s|^file \(/.*/bin/$PROGRAM\)\$|\1|p" "$ROOT$MANIFEST" | head -n 1)
	for path in ${path:+"$path"} /usr/bin/$PROGRAM; do
		[[ ! -x $ROOT$path ]] || {
			printf '%s' "$ROOT$path"
			return 0
		}
	done
}

SCRIPT_DIR=""
main() {
	# Piped into bash there is no script file, hence no checkout or release beside it.
	if [[ -n ${BASH_SOURCE[0]:-} && -f ${BASH_SOURCE[0]} ]]; then
		SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
	fi
	parse_args "$@"
	if [[ -z $ROOT && $(id -u) != 0 && $DRY_RUN == 0 ]]; then
		die "run as root (sudo); --dry-run works without"
	fi
	if ((UNINSTALL)) && [[ -z $BINARY ]]; then
		if [[ ! -f $ROOT$MANIFEST ]]; then
			say "nothing to uninstall: $MANIFEST does not exist"
			exit 0
		fi
		BINARY=$(installed_binary)
	fi
	WORK=$(mktemp -d)
	trap 'rm -rf "$WORK"' EXIT
	if [[ -n $BINARY ]]; then
		[[ -f $BINARY ]] || die "--binary $BINARY: no such file"
	elif ((FROM_SOURCE)); then
		build_from_source
	elif [[ -n $SCRIPT_DIR && -f $SCRIPT_DIR/$PROGRAM && ! -f $SCRIPT_DIR/go.mod ]]; then
		BINARY=$SCRIPT_DIR/$PROGRAM # an unpacked release: its binary is beside this script
	else
		download_release
	fi
	# Not exec: the trap removes the work folder, where a downloaded binary is.
	"$BINARY" setup --binary "$BINARY" "${SETUP_ARGS[@]}" </dev/null
}

main "$@"
