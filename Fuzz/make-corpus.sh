#!/bin/sh
# Seed corpora for every fuzz target, from the files mksim ships (docs/fuzzing.md):
#   sh Fuzz/make-corpus.sh MKSIM     → Fuzz/corpus/<target>/ (not in git)
set -eu
MKSIM=$(realpath "${1:?usage: make-corpus.sh MKSIM}")
cd "$(dirname "$0")/.."
C=Fuzz/corpus
rm -rf "$C"; mkdir -p "$C"
for t in scenario profile lackey ftrace perf-sched rt-app execlog native-text native-binary; do mkdir -p "$C/$t"; done
i=0
for f in scenarios/*.yaml scenarios/*/*.yaml examples/*/scenario.yaml; do i=$((i + 1)); cp "$f" "$C/scenario/$i.yaml"; done
cp profiles/*.yaml "$C/profile/"
F=scenarios/traces/fixtures
# Big traces: their first lines (a fuzz input is kept small: thousands of runs a second).
xz -dc $F/counter.lackey.xz | head -300 > "$C/lackey/counter"
xz -dc $F/stream.lackey.xz | head -300 > "$C/lackey/stream"
head -200 $F/pingpong.ftrace > "$C/ftrace/pingpong"
head -200 $F/pingpong.perf-sched > "$C/perf-sched/pingpong"
cp $F/rt-app/*.json "$C/rt-app/"
xz -dc $F/small-arm.execlog.xz | head -300 > "$C/execlog/small-arm"
"$MKSIM" trace synth "$C/native-binary/synth.mktrace" --records 200 --threads 2 >/dev/null
"$MKSIM" trace convert "$C/native-binary/synth.mktrace" "$C/native-text/synth.txt" --to text >/dev/null
"$MKSIM" trace convert --from lackey "$C/lackey/counter" "$C/native-binary/counter.mktrace" >/dev/null 2>&1 || true
"$MKSIM" trace convert "$C/native-binary/counter.mktrace" "$C/native-text/counter.txt" --to text >/dev/null 2>&1 || true
for t in "$C"/*; do echo "$(basename "$t"): $(ls "$t" | wc -l) seeds"; done
