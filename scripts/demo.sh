#!/usr/bin/env bash
# The demo of README.md: compile a program that reads a word, traps, then
# puts() it; let Linux dump its core; resume the core with smallworld.
set -euo pipefail
bin=$(realpath "$1"); dir=$2
src=$(realpath "$(dirname "$0")/../testdata/src")
rm -rf "$dir"; mkdir -p "$dir"; cd "$dir"
gcc -O0 -g -I"$src" -o seed "$src/seed.c"
pattern=$(cat /proc/sys/kernel/core_pattern)
if [ "$pattern" != core ]; then
  echo "demo: /proc/sys/kernel/core_pattern is '$pattern'; it must be 'core' (echo core > /proc/sys/kernel/core_pattern)" >&2
  exit 1
fi
ulimit -c unlimited
echo "\$ echo smallworld | ./seed"
set +e
echo smallworld | ./seed
status=$?
set -e
echo "(exit status $status: the trap killed it, Linux wrote ./core)"
echo
echo "\$ smallworld core run core --exe seed --skip-trap --model puts"
"$bin" core run core --exe seed --skip-trap --model puts
echo "(exit status $?: the word read before the trap, printed by the resumed process)"
