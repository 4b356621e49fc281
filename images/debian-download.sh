#!/usr/bin/env bash
# Downloads Debian packages (the .deb files, nothing installed) from another suite of the archive
# this machine's apt already uses, with package lists of its own, so the machine's apt state is
# untouched.
#
#   images/debian-download.sh SUITE DEST PACKAGE...     e.g. sid /tmp/debs rust-src
set -euo pipefail

die() { printf '[debian] ERROR: %s\n' "$*" >&2; exit 1; }

[ $# -ge 3 ] || die "usage: debian-download.sh SUITE DEST PACKAGE..."
suite=$1 dest=$2
shift 2
mirror=$(bash "$(dirname "$0")/debian-mirror.sh") || die "no Debian mirror in this machine's apt sources"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$dest"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" >"$work/sources.list"
aptopts=(-o "Dir::Etc::sourcelist=$work/sources.list" -o "Dir::Etc::sourceparts=-"
  -o "Dir::State::Lists=$work/lists" -o "APT::Get::List-Cleanup=0"
  # Root downloads into a temporary directory the _apt user cannot enter: say so, not warn.
  -o "APT::Sandbox::User=root")
apt-get "${aptopts[@]}" update -qq || die "apt could not read Debian $suite's package lists"
(cd "$dest" && apt-get "${aptopts[@]}" download "$@" >/dev/null) || die "cannot download from $suite: $*"
