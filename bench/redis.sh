#!/usr/bin/env bash
# The shared Redis store against the embedded LMDB store (docs/performance.md, "Redis"), in one
# run, in turns, each cell the median of RUNS runs:
#   greygate-redis   serve --store=redis://127.0.0.1:PORT (a local redis-server, no persistence)
#   greygate-lmdb    serve on the embedded LMDB store (the default)
#   postgrey         Postgrey 1.37 (Debian package)
#   responder        greygate's network stack answering DUNNO (the ceiling)
# Profiles: new (every request a triplet never seen: a spam wave, the write-heavy case) and mix
# (100,000 triplets, most of them seen before: retries, known senders).
#
#   bench/redis.sh                      # RUNS=3, 8 connections, 10 s per cell
#   RUNS=5 CONNS="1 8" bench/redis.sh
#
# Needs root for Postgrey (it drops privileges); installs postgrey and redis-server if missing.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
CONNS=${CONNS:-"8"}
THREADS=${THREADS:-2}
PORT_RD=${PORT_RD:-10081}; PORT_LM=${PORT_LM:-10082}; PORT_PG=${PORT_PG:-10083}; PORT_TR=${PORT_TR:-10084}
PORT_REDIS=${PORT_REDIS:-16399}

for p in postgrey redis-server; do
  command -v $p >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -q $p >/dev/null; }
done
service postgrey stop >/dev/null 2>&1 || true
service redis-server stop >/dev/null 2>&1 || true
mvn -q -B -DskipTests -Dgreygate.deb.skip=true package

work=$(mktemp -d /tmp/greygate-redis.XXXXXX)
chmod 755 "$work"
cp target/greygate.jar "$work/greygate.jar"
export GREYGATE_JAR="$work/greygate.jar"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 not listening" >&2; exit 1; }

: > "$work/empty"
redis-server --port $PORT_REDIS --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
  --logfile "$work/redis.log" &
pids+=($!)
mkdir -p "$work/pg" && chown postgrey "$work/pg"
postgrey --inet=127.0.0.1:$PORT_PG --dbdir="$work/pg" --user=postgrey --group=nogroup --delay=300 \
  --whitelist-clients="$work/empty" --whitelist-recipients="$work/empty" >"$work/postgrey.log" 2>&1 &
pids+=($!)
wait_port $PORT_REDIS
bin/greygate serve --inet=127.0.0.1:$PORT_RD --dbdir="$work/rd" --store=redis://127.0.0.1:$PORT_REDIS \
  -q --delay=300 --whitelist-clients="$work/empty" --whitelist-recipients="$work/empty" >"$work/rd.log" 2>&1 &
pids+=($!)
bin/greygate serve --inet=127.0.0.1:$PORT_LM --dbdir="$work/lm" -q --delay=300 \
  --whitelist-clients="$work/empty" --whitelist-recipients="$work/empty" >"$work/lm.log" 2>&1 &
pids+=($!)
bin/greygate responder --inet=127.0.0.1:$PORT_TR >"$work/responder.log" 2>&1 &
pids+=($!)
for p in $PORT_RD $PORT_LM $PORT_PG $PORT_TR; do wait_port $p; done

declare -A port=([greygate-redis]=$PORT_RD [greygate-lmdb]=$PORT_LM [postgrey]=$PORT_PG [responder]=$PORT_TR)
servers="greygate-redis greygate-lmdb postgrey responder"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "| profile | connections | server | requests/s | p99 µs |"
echo "|---|---|---|---|---|"
offset=0
for profile in new mix; do
  for c in $CONNS; do
    for s in $servers; do : > "$work/$s.$c"; done
    for r in $(seq "$RUNS"); do
      for s in $servers; do
        if [ $profile = new ]; then
          offset=$((offset + 10000000)); args="--keyspace=10000000 --key-offset=$offset"
        else
          args="--keyspace=100000"
        fi
        bin/greygate bench --target=127.0.0.1:${port[$s]} --connections=$c --duration=$DURATION \
          --warmup=$WARMUP --threads=$THREADS $args --label=$s >> "$work/$s.$c"
      done
    done
    for s in $servers; do
      rps=$(grep -o 'rps=[0-9]*' "$work/$s.$c" | cut -d= -f2 | median)
      p99=$(grep -o 'p99_us=[0-9]*' "$work/$s.$c" | cut -d= -f2 | median)
      echo "| $profile | $c | $s | $rps | $p99 |"
    done
  done
done
keys=$(redis-cli -p $PORT_REDIS dbsize)
mem=$(redis-cli -p $PORT_REDIS info memory | awk -F: '/^used_memory:/ {print $2}' | tr -d '\r')
echo
echo "redis: $keys keys, used_memory $mem bytes, $((mem / (keys > 0 ? keys : 1))) bytes per key"
