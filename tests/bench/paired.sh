#!/usr/bin/env bash
# Two gofront frontends, paired on fresh-runner CI rebuilds of one real project: for small
# differences (a few tenths of a second) that this machine's noise hides in real.sh's single runs.
#
# Each frontend gets its own local registry and a first CI run into it (--cache-to
# type=registry,mode=max, gzip). Then ROUNDS rounds: for each FILE in turn, one line is added to
# it and each frontend rebuilds on a fresh runner (the BuildKit cache pruned, --cache-from and
# --cache-to as in CI), the order of the two alternating round by round. Prints every time, then
# per FILE the mean and median of each frontend and the steps on their critical paths
# (timeline.py). The rawjson logs stay in OUT.
#
#   tests/bench/paired.sh OUT ROUNDS IMAGE_A IMAGE_B DIR MAIN FILE...
#   e.g. tests/bench/paired.sh /tmp/ab 5 gofront-test/frontend:old gofront-test/frontend:bench \
#          /tmp/buildkit ./cmd/buildctl cmd/buildctl/common/common.go client/client.go
#
# IMAGE_A and IMAGE_B are frontend images on the shared engine. Sourcing common.sh rebuilds
# gofront-test/frontend:bench from the working tree: build the other side from a worktree under a
# tag of its own (GOFRONT_PROFILE=release bash images/build-frontend.sh gofront-test/frontend:old).
# DIR is a copy of the project (not changed: the runs work on a copy), MAIN its main package.
# GOFRONT_BENCH_UNVENDOR=1 builds a vendored project as one that downloads its modules (see
# bench_unvendor in common.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
[ $# -ge 7 ] || { sed -n '2,21p' "$0" >&2; exit 2; }
out=$1 rounds=$2 image_a=$3 image_b=$4 src=$5 main=$6
shift 6
files=("$@")
source tests/bench/common.sh
bash tests/engine/test-tools.sh

bench_scratch
bench_engine gofront-test/golang:1.27 "$image_a" "$image_b"
mkdir -p "$out"
app=$work/app
cp -a "$src" "$app"
proxy_args=()
[ -z "${GOFRONT_BENCH_UNVENDOR:-}" ] || bench_unvendor "$app"
module=$(sed -n 's/^module[[:space:]]*//p' "$app/go.mod" | head -n1)
declare -A image=([a]=$image_a [b]=$image_b) cache
for side in a b; do
  bench_registry "$work/registry-$side"
  cache[$side]=$registry_address/bench/cache:ci
done

# build SIDE LOG: one CI build with that side's frontend and registry; prints its wall seconds.
build() {
  local started
  printf '# syntax=%s\nmodule = "%s"\nmain = "%s"\n' "${image[$1]}" "$module" "$main" >"$app/Gofile"
  timeout 900 docker buildx prune -af >/dev/null
  started=$(now)
  timeout 900 docker buildx build --network=host --progress=rawjson -f "$app/Gofile" \
    --build-context builder=docker-image://gofront-test/golang:1.27 -t "bench/paired-$1:latest" --load "${proxy_args[@]}" \
    --cache-from "type=registry,ref=${cache[$1]}" --cache-to "type=registry,ref=${cache[$1]},mode=max" \
    "$app" 2>"$2" || { tail -n 40 "$2" >&2; exit 1; }
  echo "$(now) - $started" | bc
}

for side in a b; do echo "first CI run  $side  $(build "$side" "$out/first-$side.json")"; done
for round in $(seq "$rounds"); do
  for k in "${!files[@]}"; do
    printf '\nfunc benchPaired%d() int { return %d }\n' "$round" "$round" >>"$app/${files[$k]}"
    order="a b"
    [ $((round % 2)) = 0 ] && order="b a"
    for side in $order; do
      echo "rebuild $round  ${files[$k]}  $side  $(build "$side" "$out/rebuild-$round-$k-$side.json")"
    done
  done
done | tee "$out/times.txt"

python3 - "$out" "${files[@]}" <<'EOF'
import re, statistics, subprocess, sys
out, files = sys.argv[1], sys.argv[2:]
times = {}
for line in open(f"{out}/times.txt"):
    m = re.match(r"rebuild (\d+)  (\S+)  ([ab])  ([\d.]+)", line)
    if m:
        times.setdefault((m.group(2), m.group(3)), []).append((int(m.group(1)), float(m.group(4))))

def path_steps(log):
    text = subprocess.run([sys.executable, "tests/bench/timeline.py", "--path", log],
                          capture_output=True, text=True, check=False).stdout
    steps = {}
    for line in text.splitlines():
        m = re.match(r"\s+([\d.]+)  (\S.*)", line)
        if not m:
            continue
        name = m.group(2)
        kind = next((k for k, words in [("groups", "compile package group"), ("compile", "go build "),
                                        ("dependency layers", "compile dependencies"),
                                        ("list", "list dependencies"), ("waits", "between steps")]
                     if words in name), None)
        if kind:
            steps[kind] = steps.get(kind, 0.0) + float(m.group(1))
    return steps

print()
for k, file in enumerate(files):
    for side in "ab":
        runs = times.get((file, side), [])
        seconds = [s for _, s in runs]
        if not seconds:
            continue
        steps = [path_steps(f"{out}/rebuild-{r}-{k}-{side}.json") for r, _ in runs]
        kinds = sorted({kind for s in steps for kind in s})
        parts = ", ".join(f"{kind} {statistics.mean(s.get(kind, 0.0) for s in steps):.2f}" for kind in kinds)
        print(f"{file}  {side}: mean {statistics.mean(seconds):.2f} s, median {statistics.median(seconds):.2f} s"
              f"  (on the path: {parts})")
EOF
