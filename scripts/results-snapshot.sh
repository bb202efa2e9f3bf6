#!/bin/sh
# Writes the result JSON of every point of every shipped scenario into DIR, host timings
# removed, so that two builds can be compared byte for byte (a restructuring must change
# nothing):
#   scripts/results-snapshot.sh .build/release/mksim /tmp/before
#   ... change, rebuild ...
#   scripts/results-snapshot.sh .build/release/mksim /tmp/after && diff -r /tmp/before /tmp/after
set -eu
MKSIM=${1:?usage: results-snapshot.sh MKSIM DIR}
OUT=${2:?usage: results-snapshot.sh MKSIM DIR}
cd "$(dirname "$0")/.."
rm -rf "$OUT"; mkdir -p "$OUT"
for f in scenarios/*.yaml scenarios/*/*.yaml; do
    name=$(echo "$f" | sed 's|^scenarios/||; s|\.yaml$||; s|/|__|g')
    # Exit 1 is an expectation off (still a result); anything else is a failure.
    "$MKSIM" sweep "$f" --out "$OUT/$name" >/dev/null 2>"$OUT/$name.stderr" || [ $? -eq 1 ]
    rm -f "$OUT/$name.stderr"
done
# Host timings (wall clock, events per second) differ from run to run: drop them.
python3 - "$OUT" <<'PY'
import json, os, sys
for root, _, files in os.walk(sys.argv[1]):
    for f in files:
        p = os.path.join(root, f)
        if f.endswith(".json"):
            d = json.load(open(p))
            def strip(x):
                if isinstance(x, dict):
                    x.pop("host", None)
                    x.pop("provenance", None)  # names the command and output folder
                    for v in x.values(): strip(v)
                elif isinstance(x, list):
                    for v in x: strip(v)
            strip(d)
            json.dump(d, open(p, "w"), indent=1)
        elif f.endswith(".csv"):
            os.remove(p)  # the CSV holds host timings too; the JSON has every metric
PY
