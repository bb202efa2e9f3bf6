#!/bin/sh
# The same sweep on a few machines with GNU parallel (4 shards, one per host given by -S):
#   sh examples/slurm/parallel.sh scenarios/unlink-two-sockets.yaml out/unlink
# (with a shared folder; without one, add --return/--cleanup, or copy the shard folders back).
set -eu
SCENARIO=$1 OUT=$2
parallel --jobs 1 ${HOSTS:+-S "$HOSTS"} --workdir "$PWD" \
    mksim sweep "$SCENARIO" --shard {}/4 --out "$OUT/shard-{}" --resume ::: 0 1 2 3
mksim merge "$OUT"/shard-* --out "$OUT/all"
