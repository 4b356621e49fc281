#!/usr/bin/env bash
# Prints the Debian archive URL this machine's apt already uses, read from its own sources
# (deb822 `.sources` and one-line `.list` files), so no script names a mirror host itself.
#
#   images/debian-mirror.sh        e.g. prints http://mirror.example/debian
set -euo pipefail

shopt -s nullglob
candidates=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
  [ -r "$f" ] || continue
  case "$f" in
    *.sources)
      # deb822: "URIs: a b c" (only enabled stanzas carry it uncommented).
      while read -r key rest; do
        [ "$key" = "URIs:" ] && for uri in $rest; do candidates+=("$uri"); done
      done <"$f"
      ;;
    *)
      while read -r kind first second _; do
        [ "$kind" = deb ] || continue
        # "deb [options] URI suite ..." or "deb URI suite ..."
        case "$first" in \[*) candidates+=("$second") ;; *) candidates+=("$first") ;; esac
      done < <(sed 's/\[[^]]*\]/[opts]/' "$f")
      ;;
  esac
done

# The main archive, not the security or backports archives that live beside it.
for uri in "${candidates[@]}"; do
  uri=${uri%/}
  case "$uri" in
    */debian) echo "$uri"; exit 0 ;;
  esac
done
echo "debian-mirror.sh: no Debian archive (a URI ending in /debian) in /etc/apt/sources.list*" >&2
exit 1
