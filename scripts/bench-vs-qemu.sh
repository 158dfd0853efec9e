#!/usr/bin/env bash
# Times smallworld resuming the amd64 benchmark cores against qemu-user
# running the trap-free builds of the same programs, and reports the
# peak memory of the heap resume. Run `make fixtures build` first (or
# `make bench`, which does). Budgets (DESIGN.md): compute resume at most
# 1.1x qemu-user's wall time; the 1 GiB heap core in at most 0.2 s and
# 64 MiB RSS.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
sw=$root/bin/smallworld
gen=$root/testdata/gen/amd64
runs=${RUNS:-5}
for f in "$sw" "$gen/compute.O2.kernel.core" "$gen/heap.O2.kernel.core"; do
  [ -e "$f" ] || { echo "bench-vs-qemu: $f is missing: run make build fixtures" >&2; exit 1; }
done
command -v /usr/bin/time >/dev/null || { echo "bench-vs-qemu: /usr/bin/time is missing: run make setup" >&2; exit 1; }

# best of $runs wall-clock seconds of a command (stdin from a file)
best() {
  local in=$1; shift
  local b=
  for _ in $(seq "$runs"); do
    local s e t
    s=$(date +%s.%N)
    "$@" < "$in" > /dev/null
    e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l)
    if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
  done
  printf '%.3f' "$b"
}

sw_compute=$(best /dev/null "$sw" core run "$gen/compute.O2.kernel.core" --exe "$gen/compute.O2" --skip-trap)
qemu_compute=$(best "$root/testdata/src/compute.stdin" qemu-x86_64 "$gen/compute.O2.ref")
native_compute=$(best "$root/testdata/src/compute.stdin" "$gen/compute.O2.ref")
ratio=$(echo "$sw_compute / $qemu_compute" | bc -l)
printf 'compute (1e8 insns): smallworld %ss, qemu-x86_64 %ss (whole program), native %ss: %.2fx qemu (budget 1.10x)\n' \
  "$sw_compute" "$qemu_compute" "$native_compute" "$ratio"

sw_heap=$(best /dev/null "$sw" core run "$gen/heap.O2.kernel.core" --exe "$gen/heap.O2" --skip-trap)
rss=$("$sw" core run "$gen/heap.O2.kernel.core" --exe "$gen/heap.O2" --skip-trap -v 2>&1 >/dev/null < /dev/null | sed -n 's/.*VmHWM) \([0-9]*\) kB.*/\1/p')
printf 'heap (1 GiB core): smallworld %ss (budget 0.2s), peak RSS %d MiB (budget 64)\n' "$sw_heap" "$((rss / 1024))"
