#!/usr/bin/env bash
# Reproduces the "Scale, sweep, start" rows of docs/performance.md in one run on this machine:
#  1. throughput, p99, heap and RSS with ROWS stored triplets vs an empty store (the same
#     write-heavy load: every request a triplet never seen, 8 connections, default mode), RUNS
#     runs each, in turns; then how long the daemon takes from start to listening on each;
#  2. a burst of BURST new triplets into the big store at once: p99 while it is absorbed;
#  3. an expiry sweep of EXPIRED expired rows while under load: how long it takes and the
#     latency during it, vs the same load without a sweep.
#
#   bench/scale.sh                          # 10 million rows, 1 million expired
#   ROWS=1000000 EXPIRED=100000 bench/scale.sh   # quicker
#
# Needs about 2.5 GB of disk per 10 million rows (in $TMPDIR) and the JMH jar (built here).
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${ROWS:-10000000}
EXPIRED=${EXPIRED:-1000000}
RUNS=${RUNS:-2}
DURATION=${DURATION:-10}
CONNS=${CONNS:-8}
PORT=${PORT:-10065}
BURST=${BURST:-1000000}

mvn -q -B -DskipTests install
(cd bench/jmh && mvn -q -B package)
work=$(mktemp -d "${TMPDIR:-/tmp}/greygate-scale.XXXXXX")
cp target/greygate.jar "$work/greygate.jar"
export GREYGATE_JAR="$work/greygate.jar"
# as the Debian package does at install: the class archive the starts below map
bin/greygate-jvm "$work/greygate.jar" --write-class-archive
# the store opens LMDB through direct buffers, as the daemon does (bin/greygate-jvm has the same)
fill() {
  java --add-opens java.base/java.nio=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
    -cp bench/jmh/target/benchmarks.jar org.greygate.jmh.FillStore "$@" 2>&1 | tail -1
}
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
: > "$work/empty"

serve() { # dbdir log [more serve options]
  local db=$1 log=$2
  shift 2
  started=$(date +%s%N)
  bin/greygate serve --inet=127.0.0.1:$PORT --dbdir="$db" --delay=5 --stats-interval=0 -q \
    --whitelist-clients="$work/empty" --whitelist-recipients="$work/empty" "$@" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 3000); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
      listening_ms=$(( ($(date +%s%N) - started) / 1000000 ))
      return 0
    fi
    sleep 0.01
  done
  echo "greygate did not start; see $log" >&2; exit 1
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }
memory() { # RSS (the daemon's own memory + mapped file pages, mostly LMDB's) and heap in use
  local rss heap
  rss=$(awk '/VmRSS/{r=$2} /RssAnon/{a=$2} /RssFile/{f=$2}
    END{printf "%d (anon %d + file %d)", r/1024, a/1024, f/1024}' /proc/$pid/status)
  heap=$(jcmd "$pid" GC.heap_info 2>/dev/null | awk '/total/{for(i=1;i<=NF;i++) if($i=="used") {print $(i+1); exit}}')
  echo "rss=${rss}MiB heap_used=${heap:-?}"
}
load() { # label duration warmup round [profile]: every request new unless a profile is given
  bin/greygate bench --target=127.0.0.1:$PORT --connections=$CONNS --threads=2 --duration="$2" \
    --warmup="$3" --profile="${5:-new}" --keyspace=100000 --key-offset=$(( $4 * 100000000 )) \
    --label="$1" | sed 's/ answers=.*//'
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r); $(java -version 2>&1 | head -1)"
echo "filling $ROWS live rows..."
fill "$work/big" "$ROWS" live
mkdir -p "$work/small"
round=0
for r in $(seq "$RUNS"); do
  for db in small big; do
    round=$((round + 1))
    serve "$work/$db" "$work/$db.log"
    at_start=$listening_ms
    echo "$(load "$db" "$DURATION" 3 $round) $(memory) start_to_listening_ms=$at_start"
    stop
  done
done
echo "database: $(du -sh "$work/big" | cut -f1) for $ROWS rows"
# start to listening on the big store, with the class archive and without it, in turns
with=() without=()
for _ in $(seq 5); do
  serve "$work/big" "$work/start.log"; with+=("$listening_ms"); stop
  mv "$work/greygate.jsa" "$work/greygate.jsa.off"
  serve "$work/big" "$work/start.log"; without+=("$listening_ms"); stop
  mv "$work/greygate.jsa.off" "$work/greygate.jsa"
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'; }
echo "start to listening (launcher included, ${ROWS} rows): with the class archive" \
  "$(median "${with[@]}") ms (${with[*]}), without $(median "${without[@]}") ms (${without[*]})"
# enough seconds for BURST requests at the rate just measured, then the count is checked
serve "$work/big" "$work/burst.log"
burst_s=$(( BURST / 40000 + 1 ))
echo "burst: $(load burst "$burst_s" 0 50) $(memory) (BURST=$BURST new triplets asked for)"
stop
rm -rf "$work/big" "$work/small"

echo "filling $EXPIRED expired rows..."
fill "$work/exp" "$EXPIRED" expired
cp -a "$work/exp" "$work/exp-copy"
# same load without a sweep first (--max-age high enough that nothing is expired), then with one
serve "$work/exp-copy" "$work/nosweep.log" --max-age=400
load no-sweep 20 0 100 uniform
stop
serve "$work/exp" "$work/sweep.log"
load during-sweep 20 0 101 uniform
for _ in $(seq 120); do grep -q "expiry sweep" "$work/sweep.log" && break; sleep 0.5; done
grep -h "expiry sweep" "$work/sweep.log" || echo "no sweep finished within 60 s after the load"
stop
