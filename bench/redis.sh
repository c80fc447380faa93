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
#   CLUSTER=1 bench/redis.sh            # also a Redis Cluster: 8 and 32 connections
#
# With CLUSTER=1 it also starts a Redis Cluster of 3 masters and 3 replicas on loopback ports
# PORT_CLUSTER..PORT_CLUSTER+5 (their bus ports 10000 above) and adds
#   greygate-cluster serve --store=redis-cluster://... (the three masters as seeds)
# beside greygate-redis; CONNS defaults to "8 32" then. Every greygate-redis and greygate-cluster
# row also gives Redis's CPU per 1,000 decisions: the INFO cpu (used_cpu_sys + used_cpu_user)
# growth of every Redis server (the cluster's six summed) while the load ran, divided by the
# answers. A build whose --store does not know redis-cluster:// stops with exit 2 and says so.
#
# With WAIT=1 the single Redis gets a replica (port PORT_REDIS+1) and the rows gain
#   greygate-redis-wait    the same with --redis-wait-replicas=1 (first sightings wait for it)
#   greygate-cluster-wait  with CLUSTER=1, the same on the cluster (each master has a replica)
# SERVERS="greygate-redis greygate-redis-wait" runs only those rows (the first is the ratios' base).
#
# Needs root for Postgrey (it drops privileges); installs postgrey and redis-server if missing.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
CLUSTER=${CLUSTER:-0}
WAIT=${WAIT:-0}
PORT_RW=${PORT_RW:-10086}; PORT_CW=${PORT_CW:-10087}
if [ "$CLUSTER" = 1 ]; then CONNS=${CONNS:-"8 32"}; else CONNS=${CONNS:-"8"}; fi
THREADS=${THREADS:-2}
PORT_RD=${PORT_RD:-10081}; PORT_LM=${PORT_LM:-10082}; PORT_PG=${PORT_PG:-10083}; PORT_TR=${PORT_TR:-10084}
PORT_REDIS=${PORT_REDIS:-16399}
PORT_CL=${PORT_CL:-10085}; PORT_CLUSTER=${PORT_CLUSTER:-17101} # the cluster's nodes: 6 ports from here

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
redis_cpu() { # PORT...: seconds of CPU the Redis servers have used, summed
  for p in "$@"; do redis-cli -p "$p" info cpu; done | tr -d '\r' |
    awk -F: '/^used_cpu_(sys|user):/ {s += $2} END {printf "%.3f", s}'
}
cluster_ports=()
: > "$work/empty"
if [ "$CLUSTER" = 1 ]; then
  for i in 0 1 2 3 4 5; do
    p=$((PORT_CLUSTER + i))
    cluster_ports+=("$p")
    mkdir -p "$work/node$p"
    redis-server --port "$p" --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file "$work/node$p/nodes.conf" \
      --cluster-node-timeout 5000 --save '' --appendonly no --dir "$work/node$p" --logfile "$work/node$p/redis.log" &
    pids+=($!)
  done
  for p in "${cluster_ports[@]}"; do wait_port "$p"; done
  redis-cli --cluster create $(printf '127.0.0.1:%s ' "${cluster_ports[@]}") --cluster-replicas 1 \
    --cluster-yes >"$work/cluster-create.log" 2>&1 || { cat "$work/cluster-create.log" >&2; exit 1; }
  for _ in $(seq 100); do
    redis-cli -p "$PORT_CLUSTER" cluster info | grep -q '^cluster_state:ok' && break
    sleep 0.1
  done
  redis-cli -p "$PORT_CLUSTER" cluster info | grep -q '^cluster_state:ok' ||
    { echo "the cluster on ports ${cluster_ports[*]} did not reach cluster_state:ok" >&2; exit 1; }
  seeds="127.0.0.1:$PORT_CLUSTER,127.0.0.1:$((PORT_CLUSTER + 1)),127.0.0.1:$((PORT_CLUSTER + 2))"
  bin/greygate serve --inet=127.0.0.1:$PORT_CL --dbdir="$work/cl" --store="redis-cluster://$seeds" \
    -q --delay=300 --whitelist-clients="$work/empty" --whitelist-recipients="$work/empty" >"$work/cl.log" 2>&1 &
  cl_pid=$!
  pids+=($cl_pid)
  for _ in $(seq 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT_CL") 2>/dev/null && break
    if ! kill -0 $cl_pid 2>/dev/null; then
      cat "$work/cl.log" >&2
      echo "bench/redis.sh: this build of greygate does not serve --store=redis-cluster://$seeds" \
        "(above: what it said); the Redis Cluster store is not in it yet. Run without CLUSTER=1" \
        "for the single Redis, or build a version that has the cluster store." >&2
      exit 2
    fi
    sleep 0.1
  done
  wait_port $PORT_CL
  if [ "$WAIT" = 1 ]; then
    bin/greygate serve --inet=127.0.0.1:$PORT_CW --dbdir="$work/cw" --store="redis-cluster://$seeds" \
      -q --delay=300 --redis-wait-replicas=1 --whitelist-clients="$work/empty" \
      --whitelist-recipients="$work/empty" >"$work/cw.log" 2>&1 &
    pids+=($!)
    wait_port $PORT_CW
  fi
fi

redis-server --port $PORT_REDIS --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
  --logfile "$work/redis.log" &
pids+=($!)
mkdir -p "$work/pg" && chown postgrey "$work/pg"
postgrey --inet=127.0.0.1:$PORT_PG --dbdir="$work/pg" --user=postgrey --group=nogroup --delay=300 \
  --whitelist-clients="$work/empty" --whitelist-recipients="$work/empty" >"$work/postgrey.log" 2>&1 &
pids+=($!)
wait_port $PORT_REDIS
if [ "$WAIT" = 1 ]; then
  mkdir -p "$work/replica"
  redis-server --port $((PORT_REDIS + 1)) --bind 127.0.0.1 --save '' --appendonly no --dir "$work/replica" \
    --logfile "$work/replica/redis.log" --replicaof 127.0.0.1 $PORT_REDIS &
  pids+=($!)
  for _ in $(seq 100); do
    redis-cli -p $PORT_REDIS wait 1 100 | grep -qx 1 && break
    sleep 0.1
  done
  bin/greygate serve --inet=127.0.0.1:$PORT_RW --dbdir="$work/rw" --store=redis://127.0.0.1:$PORT_REDIS \
    -q --delay=300 --redis-wait-replicas=1 --whitelist-clients="$work/empty" \
    --whitelist-recipients="$work/empty" >"$work/rw.log" 2>&1 &
  pids+=($!)
  wait_port $PORT_RW
fi
bin/greygate serve --inet=127.0.0.1:$PORT_RD --dbdir="$work/rd" --store=redis://127.0.0.1:$PORT_REDIS \
  -q --delay=300 --whitelist-clients="$work/empty" --whitelist-recipients="$work/empty" >"$work/rd.log" 2>&1 &
pids+=($!)
bin/greygate serve --inet=127.0.0.1:$PORT_LM --dbdir="$work/lm" -q --delay=300 \
  --whitelist-clients="$work/empty" --whitelist-recipients="$work/empty" >"$work/lm.log" 2>&1 &
pids+=($!)
bin/greygate responder --inet=127.0.0.1:$PORT_TR >"$work/responder.log" 2>&1 &
pids+=($!)
for p in $PORT_RD $PORT_LM $PORT_PG $PORT_TR; do wait_port $p; done

declare -A port=([greygate-redis]=$PORT_RD [greygate-lmdb]=$PORT_LM [postgrey]=$PORT_PG [responder]=$PORT_TR [greygate-cluster]=$PORT_CL
  [greygate-redis-wait]=$PORT_RW [greygate-cluster-wait]=$PORT_CW)
declare -A redis_of=([greygate-redis]="$PORT_REDIS" [greygate-cluster]="${cluster_ports[*]}"
  [greygate-redis-wait]="$PORT_REDIS" [greygate-cluster-wait]="${cluster_ports[*]}")
servers="greygate-redis greygate-lmdb postgrey responder"
[ "$CLUSTER" = 1 ] && servers="greygate-redis greygate-cluster greygate-lmdb postgrey responder"
[ "$WAIT" = 1 ] && servers="$servers greygate-redis-wait"
[ "$WAIT" = 1 ] && [ "$CLUSTER" = 1 ] && servers="$servers greygate-cluster-wait"
servers=${SERVERS:-$servers}
base_server=${servers%% *}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| profile | connections | server | requests/s | p99 µs | Redis CPU ms / 1,000 decisions | / $base_server |"
echo "|---|---|---|---|---|---|---|"
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
          --warmup=$WARMUP --threads=$THREADS $args --label=$s > "$work/line" &
        bench_pid=$!
        if [ -n "${redis_of[$s]:-}" ]; then
          sleep "$WARMUP"
          cpu0=$(redis_cpu ${redis_of[$s]})
          wait $bench_pid
          cpu1=$(redis_cpu ${redis_of[$s]})
          rps=$(grep -o 'rps=[0-9]*' "$work/line" | cut -d= -f2)
          echo "$(cat "$work/line") redis_cpu_ms_per_1000=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$rps" \
            -v d="$DURATION" 'BEGIN {printf "%.1f", (b - a) * 1e6 / (n * d)}')" >> "$work/$s.$c"
        else
          wait $bench_pid
          cat "$work/line" >> "$work/$s.$c"
        fi
      done
    done
    base=$(grep -o 'rps=[0-9]*' "$work/$base_server.$c" | cut -d= -f2 | median)
    for s in $servers; do
      rps=$(grep -o 'rps=[0-9]*' "$work/$s.$c" | cut -d= -f2 | median)
      p99=$(grep -o 'p99_us=[0-9]*' "$work/$s.$c" | cut -d= -f2 | median)
      cpu=$( (grep -o 'redis_cpu_ms_per_1000=[0-9.]*' "$work/$s.$c" || true) | cut -d= -f2 | median)
      echo "| $profile | $c | $s | $rps | $p99 | ${cpu:--} |" \
        "$(awk -v a="$rps" -v b="$base" 'BEGIN {printf "%.2f", a / b}') |"
    done
  done
done
keys=$(redis-cli -p $PORT_REDIS dbsize)
mem=$(redis-cli -p $PORT_REDIS info memory | awk -F: '/^used_memory:/ {print $2}' | tr -d '\r')
echo
echo "redis: $keys keys, used_memory $mem bytes, $((mem / (keys > 0 ? keys : 1))) bytes per key"
if [ "$CLUSTER" = 1 ]; then
  for p in "${cluster_ports[@]}"; do
    echo "cluster node $p: $(redis-cli -p "$p" info replication | tr -d '\r' | awk -F: '/^role:/ {print $2}')," \
      "$(redis-cli -p "$p" dbsize) keys, used_memory $(redis-cli -p "$p" info memory | tr -d '\r' | awk -F: '/^used_memory:/ {print $2}')"
  done
fi
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
