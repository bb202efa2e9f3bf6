#!/bin/sh
# Runs one fuzz target (or all) with libFuzzer (docs/fuzzing.md):
#   sh Fuzz/run.sh scenario -runs=1000000        # a target, a million executions
#   sh Fuzz/run.sh all -max_total_time=40        # every target for 40 s (CI)
# Crashing inputs go to Fuzz/crashes/<target>-…; a crash, leak, timeout (10 s) or memory
# bomb (2 GB) exits non-zero. The last lines of each run (execs, coverage) are printed.
set -eu
cd "$(dirname "$0")/.."
BIN=${FUZZ_BIN:-Fuzz/.build/release/mksim-fuzz}  # make fuzz-fast: the build without ASan
TARGET=${1:?usage: run.sh TARGET|all [libFuzzer options...]}
shift
[ -d Fuzz/corpus/scenario ] || { echo "no seed corpus: sh Fuzz/make-corpus.sh .build/release/mksim" >&2; exit 2; }
if [ "$TARGET" = all ]; then set -- $(ls Fuzz/corpus) "$@"; else set -- "$TARGET" "$@"; fi
TARGETS="" ; OPTS=""
for a in "$@"; do case "$a" in -*) OPTS="$OPTS $a" ;; *) TARGETS="$TARGETS $a" ;; esac; done
mkdir -p Fuzz/crashes
for t in $TARGETS; do
    # Inputs found interesting go to a working copy, so the seeds stay what make-corpus made.
    work=Fuzz/corpus-work/$t
    mkdir -p "$work"
    echo "== $t"
    FUZZ_TARGET=$t SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 \
        "$BIN" "$work" "Fuzz/corpus/$t" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
        -artifact_prefix="Fuzz/crashes/$t-" -print_final_stats=1 $OPTS 2>"Fuzz/crashes/$t.log" \
        || { tail -40 "Fuzz/crashes/$t.log"; exit 1; }
    grep -E "^#[0-9]+.*(DONE|pulse)|stat::number_of_executed_units|stat::peak_rss_mb" "Fuzz/crashes/$t.log" | tail -3
done
