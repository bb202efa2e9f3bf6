#!/bin/sh
# Brings up a one-node Slurm on this machine (Debian's slurm-wlm and munge), runs a sweep as a
# job array of 3 shards with examples/slurm/sweep-array.sbatch, merges the shards and checks
# the merged folder against a local `mksim sweep` of the same file (all but host timings and
# command lines). Run as root (CI, make slurm-test); stops the daemons it started.
#   scripts/slurm-test.sh .build/release/mksim
set -eu
MKSIM=$(realpath "${1:?usage: slurm-test.sh MKSIM}")
cd "$(dirname "$0")/.."
ROOT=$PWD
SCENARIO=scenarios/unlink-two-sockets.yaml
WORK=$(mktemp -d /tmp/mksim-slurm.XXXXXX)
STARTED=""
cleanup() {
    for pid in $STARTED; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

if ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
    echo "installing slurm-wlm, munge (apt)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge
fi

# munge: the key the package made (or one of our own), the daemon unless one runs.
if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
    chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
fi
mkdir -p /run/munge && chown munge:munge /run/munge
if ! munge -n </dev/null >/dev/null 2>&1; then
    runuser -u munge -- /usr/sbin/munged
    sleep 1
    STARTED="$STARTED $(cat /run/munge/munged.pid)"
fi
munge -n </dev/null | unmunge >/dev/null

# A one-node cluster: this machine as it sees itself (slurmd -C), root running the jobs.
CONF=/etc/slurm/slurm.conf
if [ -f "$CONF" ] && ! grep -q "written by mksim's slurm-test" "$CONF"; then
    echo "$CONF exists and is not ours: not touching a real cluster's configuration" >&2
    exit 2
fi
HOST=$(hostname -s)
NODE=$(slurmd -C | head -1)
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
cat > "$CONF" <<CONF
# written by mksim's slurm-test (scripts/slurm-test.sh): a one-node cluster for its test
ClusterName=mksim-test
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
$NODE State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
/usr/sbin/slurmctld -D -i >"$WORK/slurmctld.out" 2>&1 &
STARTED="$STARTED $!"
/usr/sbin/slurmd -D >"$WORK/slurmd.out" 2>&1 &
STARTED="$STARTED $!"
i=0
until sinfo -h -o %T 2>/dev/null | grep -q idle; do
    i=$((i + 1))
    if [ $i -gt 60 ]; then
        echo "slurm did not come up:" >&2; cat "$WORK"/*.out /var/log/slurm/*.log >&2 || true; exit 1
    fi
    sleep 1
done
echo "slurm up: $(sinfo -h -o '%P %D %c %T')"

# The sweep as a job array of 3 shards, waited for; then merged.
cd "$WORK"
MKSIM=$MKSIM sbatch --wait --array=0-2 --cpus-per-task=1 --chdir="$WORK" \
    "$ROOT/examples/slurm/sweep-array.sbatch" "$ROOT/$SCENARIO" "$WORK/out"
for f in slurm-*.out; do echo "== $f"; tail -2 "$f"; done
"$MKSIM" merge "$WORK"/out/shard-* --out "$WORK/merged"
"$MKSIM" sweep "$ROOT/$SCENARIO" --out "$WORK/local" >/dev/null
python3 - "$WORK/local" "$WORK/merged" <<'PY'
import csv, json, os, sys
local, merged = sys.argv[1], sys.argv[2]
def text(folder, name):
    data = open(os.path.join(folder, name), encoding="utf-8").read()
    if name.endswith(".json"):
        d = json.loads(data)
        d.pop("host", None)
        d["provenance"].pop("command", None)
        return json.dumps(d, sort_keys=True)
    if name.endswith(".csv"):
        rows = list(csv.reader(data.splitlines()))
        k = rows[0].index("command")
        return [r[:k] + r[k + 1:] for r in rows]
    return data
names = sorted(os.listdir(local))
assert names == sorted(os.listdir(merged)), (names, sorted(os.listdir(merged)))
bad = [n for n in names if text(local, n) != text(merged, n)]
assert not bad, f"differ: {bad}"
print(f"slurm-test: {len(names)} files of the merged job array equal the local sweep's")
PY
