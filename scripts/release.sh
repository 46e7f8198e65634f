#!/usr/bin/env bash
# scripts/release.sh VERSION [OUTDIR]: build the release artefacts of lotus-farcaster.
#
# For each architecture (ARCHES, default "amd64 arm64") it builds a static Linux binary with
# the version stamped in, and packs
#   OUTDIR/lotus-farcaster-VERSION-linux-ARCH.tar.gz
#     lotus-farcaster-VERSION-linux-ARCH/{lotus-farcaster,install.sh,README.md,CHANGELOG.md,
#                                         LICENSE*,docs/,grafana/}
#   OUTDIR/lotus-farcaster_VERSION_ARCH.deb   (packaging/nfpm.yaml, built with nfpm)
# then copies install.sh beside them and writes
#   OUTDIR/SHA256SUMS    ("HASH  NAME" lines, as sha256sum prints them)
# Upload every file of OUTDIR to the GitHub release tagged vVERSION; install.sh downloads
# from there. The artefacts are reproducible: fixed file order, owner and time stamps
# (SOURCE_DATE_EPOCH, default the last commit's time).
set -euo pipefail
export LC_ALL=C
umask 022

readonly PROGRAM=lotus-farcaster
readonly VERSION_PKG=github.com/prometheus/common/version
# nfpm, a Go tool: run from the module proxy at a pinned version, not a dependency of the binary.
readonly NFPM=github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.45.2

die() {
	printf 'release.sh: %s\n' "$*" >&2
	exit 1
}

usage() {
	sed -n '2,14s/^# \{0,1\}//p' "$0"
	exit 2
}

# debian_docs VERSION EPOCH: the .deb's version and the gzipped changelogs it ships in
# STAGE/debian. The package has a Debian revision (-1), so lintian expects the packaging's
# changelog as changelog.Debian.gz and the upstream CHANGELOG.md as changelog.gz; a
# pre-release's "-" becomes "~", so that 1.2.3~rc1 sorts before 1.2.3.
DEB_VERSION=""
debian_docs() {
	DEB_VERSION=${1/-/\~}-1
	mkdir "$STAGE/debian"
	{
		printf '%s (%s) unstable; urgency=medium\n\n' "$PROGRAM" "$DEB_VERSION"
		printf '  * Release %s: see changelog.gz beside this file.\n\n' "$1"
		printf ' -- lotus-farcaster developers <lotus-farcaster@users.noreply.github.com>  %s\n' "$(date -u -R -d "@$2")"
	} | gzip -9 -n >"$STAGE/debian/changelog.Debian.gz"
	gzip -9 -n <CHANGELOG.md >"$STAGE/debian/changelog.gz"
	chmod 644 "$STAGE/debian"/*
}

main() {
	(($# >= 1 && $# <= 2)) || usage
	[[ $1 != -h && $1 != --help ]] || usage
	local version=${1#v} out=${2:-dist}
	[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$ ]] || die "VERSION must look like 1.2.3 or v1.2.3, got $1"

	cd "$(dirname "${BASH_SOURCE[0]}")/.."
	local go revision branch epoch build_date
	go=$(command -v go || echo /usr/local/go/bin/go)
	[[ -x $go ]] || die "no Go toolchain (go) in PATH or /usr/local/go/bin"
	revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
	branch=$(git rev-parse --abbrev-ref HEAD 2>/dev/null || echo unknown)
	if [[ -n $(git status --porcelain --untracked-files=no 2>/dev/null) ]]; then
		printf 'release.sh: warning: the working tree has uncommitted changes; revision %s does not describe them\n' "$revision" >&2
	fi
	epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
	build_date=$(date -u -d "@$epoch" +%Y%m%d-%H:%M:%S)

	mkdir -p "$out"
	out=$(cd "$out" && pwd -P)
	local arch name artefacts=()
	STAGE=$(mktemp -d)
	trap 'rm -rf "$STAGE"' EXIT
	debian_docs "$version" "$epoch"
	for arch in ${ARCHES:-amd64 arm64}; do
		name=$PROGRAM-$version-linux-$arch
		mkdir "$STAGE/$name"
		CGO_ENABLED=0 GOOS=linux GOARCH=$arch "$go" build -trimpath -buildvcs=false \
			-ldflags "-s -w -X $VERSION_PKG.Version=$version -X $VERSION_PKG.Revision=$revision -X $VERSION_PKG.Branch=$branch -X $VERSION_PKG.BuildDate=$build_date" \
			-o "$STAGE/$name/$PROGRAM" .
		install -m 755 install.sh "$STAGE/$name/install.sh"
		install -m 644 README.md CHANGELOG.md LICENSE LICENSE-MIT LICENSE-APACHE "$STAGE/$name/"
		cp -R docs grafana "$STAGE/$name/"
		chmod -R u=rwX,go=rX "$STAGE/$name/docs" "$STAGE/$name/grafana"
		tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
			-C "$STAGE" -cf - "$name" | gzip -9 -n >"$out/$name.tar.gz"
		artefacts+=("$name.tar.gz")
		printf 'built %s\n' "$out/$name.tar.gz"

		ARCH=$arch DEB_VERSION=$DEB_VERSION BINARY=$STAGE/$name/$PROGRAM DOCS=$STAGE/debian SOURCE_DATE_EPOCH=$epoch \
			"$go" run "$NFPM" package --config packaging/nfpm.yaml --packager deb --target "$out/${PROGRAM}_${version}_$arch.deb" >/dev/null
		artefacts+=("${PROGRAM}_${version}_$arch.deb")
		printf 'built %s\n' "$out/${PROGRAM}_${version}_$arch.deb"
	done
	install -m 755 install.sh "$out/install.sh"
	(cd "$out" && sha256sum "${artefacts[@]}" install.sh >SHA256SUMS)
	printf 'wrote %s\n' "$out/install.sh" "$out/SHA256SUMS"
}

main "$@"
