#!/usr/bin/env bash
# Sustained new-triplet writes (docs/performance.md, "Sustained new-triplet writes"): a spam wave
# that does not stop, against a store that already holds ROWS triplets and keeps growing. For each
# size in SIZES, each build loads the same store (made once with `db load` from bench/wave-dump.py:
# triplets scattered as a botnet's, so every insert lands on a random page) and takes DURATION s of
# `greygate bench --profile=wave` (every request a never-seen triplet, scattered the same way).
# Reported per build: the rate over the whole run (burst) and over its last TAIL s (sustained), the
# fail-open answers (the daemon's greygate_fail_open_total: a DUNNO that let the wave through), the
# writes dropped under overload (greygate_store_writes_dropped_total: greylisted, not kept) and the
# rows the store holds after the run. Builds in turns, one run: the numbers are ratios of one run.
#
#   bench/sustained.sh                                        # SIZES="1000000 10000000"
#   BEFORE_JAR=/path/to/old/greygate.jar SIZES=1000000 DURATION=90 bench/sustained.sh
#   JARS="a=/path/a.jar b=/path/b.jar" bench/sustained.sh     # more builds, in turns, labelled
#
# Needs about 1 GB of disk per 10 million rows per build (in $TMPDIR).
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"1000000 10000000"}
DURATION=${DURATION:-90}
TAIL=${TAIL:-30}
CONNS=${CONNS:-8}
THREADS=${THREADS:-2}
PORT=${PORT:-10071}; MPORT=${MPORT:-10072}
BEFORE_JAR=${BEFORE_JAR:-}
BUILD=${BUILD:-1}   # 0: use target/greygate.jar as it is

[ "$BUILD" = 1 ] && mvn -q -B -DskipTests -Dgreygate.deb.skip=true package
work=$(mktemp -d "${TMPDIR:-/tmp}/greygate-sustained.XXXXXX")
cp target/greygate.jar "$work/this.jar"
builds="this"
if [ -n "$BEFORE_JAR" ]; then cp "$BEFORE_JAR" "$work/before.jar"; builds="before this"; fi
for j in ${JARS:-}; do cp "${j#*=}" "$work/${j%%=*}.jar"; builds="${j%%=*} $builds"; done
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
: > "$work/empty"
gg() { GREYGATE_JAR="$work/this.jar" bin/greygate "$@"; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r); $(java -version 2>&1 | head -1); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "duration=${DURATION}s tail=${TAIL}s connections=$CONNS profile=wave"
results="$work/results"; : > "$results"
round=0
for rows in $SIZES; do
  python3 bench/wave-dump.py "$rows" > "$work/rows.dump"
  rm -rf "$work/base"
  gg db load --dbdir="$work/base" "$work/rows.dump" >/dev/null 2>&1
  rm -f "$work/rows.dump"
  for b in $builds; do
    round=$((round + 1))
    rm -rf "$work/db"; cp -a "$work/base" "$work/db"
    GREYGATE_JAR="$work/$b.jar" bin/greygate serve --inet=127.0.0.1:$PORT --metrics=127.0.0.1:$MPORT \
      --dbdir="$work/db" -q --stats-interval=0 \
      --whitelist-clients="$work/empty" --whitelist-recipients="$work/empty" >"$work/$b.log" 2>&1 &
    pid=$!
    for _ in $(seq 600); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
    line=$(gg bench --target=127.0.0.1:$PORT --metrics=$MPORT --connections=$CONNS --threads=$THREADS \
      --duration="$DURATION" --warmup=2 --tail="$TAIL" --profile=wave --key-offset=$((round << 32)) \
      --label="$b" | head -1 | sed 's/ answers=.*//')
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
    kept=$(gg db stats --dbdir="$work/db" 2>/dev/null | awk '/^triplets:/{print $2}')
    echo "$line rows_before=$rows rows_after=$kept db_mib=$(( $(stat -c %s "$work/db/data.mdb") >> 20 ))" | tee -a "$results"
  done
done
rm -rf "$work/base" "$work/db"
echo
python3 - "$results" <<'PY'
import re, sys
print("| rows before | build | requests/s, whole run | last 30 s | fail-open | writes dropped | rows after |")
print("|---:|---|---:|---:|---:|---:|---:|")
for line in open(sys.argv[1]):
    f = dict(re.findall(r'(\w+)=(\S+)', line))
    req = int(f['requests'])
    pct = lambda k: f"{int(f[k]):,} ({int(f[k]) / req:.1%})" if f[k].isdigit() else f[k]
    print(f"| {int(f['rows_before']):,} | {line.split()[0]} | {float(f['rps']):,.0f} | {float(f['tail_rps']):,.0f} "
          f"| {pct('fail_open')} | {pct('writes_dropped')} | {int(f['rows_after']):,} |")
PY
