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
#   FAIR=1 bench/redis.sh               # the cluster against one Redis, like for like (below)
#   FAIR=1 PROFILES=new RUNS=5 bench/redis.sh
#
# With CLUSTER=1 it also starts a Redis Cluster of 3 masters and 3 replicas on loopback ports
# PORT_CLUSTER..PORT_CLUSTER+5 (their bus ports 10000 above) and adds
#   greygate-cluster serve --store=redis-cluster://... (the three masters as seeds)
# beside greygate-redis; CONNS defaults to "8 32" then.
#
# FAIR=1 compares like with like, two pairs, each a real deployment:
#   greygate-redis-replica  one Redis with one replica (REPLICAOF, asynchronous as the cluster's)
#   greygate-cluster        the cluster of 3 masters and 3 replicas
# and
#   greygate-redis          one Redis without a replica
#   greygate-cluster-norep  a cluster of 3 masters without replicas (ports PORT_CLUSTER3..+2)
# with greygate-lmdb; Postgrey and the responder are left out (SERVERS="..." chooses the rows
# of any run). The column "/ peer" is each row against its pair's one Redis (the cluster against
# one Redis with a replica, the cluster without replicas against one Redis without); rows without
# a pair are against greygate-redis.
#
# Every Redis row also gives Redis's CPU per 1,000 decisions: the INFO cpu (used_cpu_sys +
# used_cpu_user) growth of the setup's servers while the load ran, divided by the answers, the
# masters (or the one Redis) and the replicas apart; and every greygate row greygate's own CPU
# per 1,000 decisions (the serve process's user + system time over the same span, from /proc), so
# a setup that costs the daemon more shows apart from one that costs Redis more. A build whose
# --store does not know redis-cluster:// stops with exit 2 and says so. BUILD=0 uses
# target/greygate.jar as it is.
#
# BASE_JAR=FILE (an earlier build) adds, beside each Redis row, the same setup served by that
# build (the row's name + "@base", its port 100 above), on the same Redis servers, in the same
# turns: a change measured against what it changes, in one run.
#
# WAIT=1 adds the cost of --redis-wait-replicas (first sightings answered once a replica has them):
#   greygate-redis-wait    one Redis with a replica, as greygate-redis-replica, with the option
#   greygate-cluster-wait  with CLUSTER=1 or FAIR=1, the cluster 3 + 3 with the option
# each against its peer without the option (greygate-redis-replica, greygate-cluster), e.g.
#   WAIT=1 SERVERS="greygate-redis-replica greygate-redis-wait" bench/redis.sh
#
# Needs root for Postgrey (it drops privileges); installs postgrey and redis-server if missing.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
CLUSTER=${CLUSTER:-0}
FAIR=${FAIR:-0}
PROFILES=${PROFILES:-"new mix"}
if [ "$CLUSTER" = 1 ] || [ "$FAIR" = 1 ]; then CONNS=${CONNS:-"8 32"}; else CONNS=${CONNS:-"8"}; fi
if [ "$FAIR" = 1 ]; then
  SERVERS=${SERVERS:-"greygate-redis greygate-cluster-norep greygate-redis-replica greygate-cluster greygate-lmdb"}
elif [ "$CLUSTER" = 1 ]; then
  SERVERS=${SERVERS:-"greygate-redis greygate-cluster greygate-lmdb postgrey responder"}
else
  SERVERS=${SERVERS:-"greygate-redis greygate-lmdb postgrey responder"}
fi
THREADS=${THREADS:-2}
PORT_RD=${PORT_RD:-10081}; PORT_LM=${PORT_LM:-10082}; PORT_PG=${PORT_PG:-10083}; PORT_TR=${PORT_TR:-10084}
PORT_REDIS=${PORT_REDIS:-16399}
PORT_CL=${PORT_CL:-10085}; PORT_CLUSTER=${PORT_CLUSTER:-17101} # the cluster's nodes: 6 ports from here
PORT_CL3=${PORT_CL3:-10086}; PORT_CLUSTER3=${PORT_CLUSTER3:-17111} # 3 masters, no replicas
PORT_RR=${PORT_RR:-10087}; PORT_REDIS_R=${PORT_REDIS_R:-16401} # one Redis (this port) + replica (+1)
WAIT=${WAIT:-0}
PORT_RW=${PORT_RW:-10088}; PORT_CW=${PORT_CW:-10089} # the same two with --redis-wait-replicas=1
if [ "$WAIT" = 1 ] && [[ " $SERVERS " != *" greygate-redis-wait "* ]]; then
  [[ " $SERVERS " == *" greygate-redis-replica "* ]] || SERVERS+=" greygate-redis-replica"
  SERVERS+=" greygate-redis-wait"
  [[ " $SERVERS " == *" greygate-cluster "* ]] && SERVERS+=" greygate-cluster-wait"
fi
has() { [[ " $SERVERS " == *" $1 "* ]]; }

need=(redis-server)
has postgrey && need+=(postgrey)
for p in "${need[@]}"; do
  command -v $p >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -q $p >/dev/null; }
done
has postgrey && { service postgrey stop >/dev/null 2>&1 || true; }
service redis-server stop >/dev/null 2>&1 || true
[ "${BUILD:-1}" = 0 ] || mvn -q -B -DskipTests -Dgreygate.deb.skip=true package

work=$(mktemp -d /tmp/greygate-redis.XXXXXX)
chmod 755 "$work"
cp target/greygate.jar "$work/greygate.jar"
export GREYGATE_JAR="$work/greygate.jar"
if [ -n "${BASE_JAR:-}" ]; then
  cp "$BASE_JAR" "$work/base.jar"
  with_base=""
  for s in $SERVERS; do
    with_base+="$s "
    case $s in greygate-redis* | greygate-cluster*) with_base+="$s@base " ;; esac
  done
  SERVERS=$with_base
fi
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 not listening" >&2; exit 1; }
redis_cpu() { # PORT...: seconds of CPU the Redis servers have used, summed
  for p in "$@"; do redis-cli -p "$p" info cpu; done | tr -d '\r' |
    awk -F: '/^used_cpu_(sys|user):/ {s += $2} END {printf "%.3f", s}'
}
jvm_cpu() { # PID: seconds of CPU the process has used (user + system)
  awk -v t="$(getconf CLK_TCK)" '{printf "%.3f", ($14 + $15) / t}' "/proc/$1/stat"
}
role() { redis-cli -p "$1" info replication | tr -d '\r' | awk -F: '/^role:/ {print $2}'; }
redis_node() { # PORT [EXTRA redis-server ARGS...]: a Redis without persistence, in the background
  local p=$1
  shift
  mkdir -p "$work/node$p"
  redis-server --port "$p" --bind 127.0.0.1 --save '' --appendonly no --dir "$work/node$p" \
    --logfile "$work/node$p/redis.log" "$@" &
  pids+=($!)
}
serve() { # NAME PORT [serve ARGS...]: greygate serve in the background, listening before it returns
  local name=$1 port=$2 jar=$GREYGATE_JAR
  shift 2
  if has "$name@base"; then serve "$name@base" $((port + 100)) "$@"; fi
  [[ $name == *@base ]] && jar=$work/base.jar
  GREYGATE_JAR=$jar bin/greygate serve --inet=127.0.0.1:$port --dbdir="$work/$name" -q --delay=300 \
    --whitelist-clients="$work/empty" --whitelist-recipients="$work/empty" "$@" >"$work/$name.log" 2>&1 &
  local pid=$!
  pids+=($pid)
  serve_pid[$name]=$pid
  for _ in $(seq 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    if ! kill -0 $pid 2>/dev/null; then
      cat "$work/$name.log" >&2
      if [[ "$*" == *redis-cluster://* ]]; then
        echo "bench/redis.sh: this build of greygate does not serve $* (above: what it said);" \
          "the Redis Cluster store is not in it yet. Run without CLUSTER=1 or FAIR=1 for the" \
          "single Redis, or build a version that has the cluster store." >&2
        exit 2
      fi
      exit 1
    fi
    sleep 0.1
  done
  echo "$name did not listen on $port" >&2
  exit 1
}
cluster() { # NAME FIRST_PORT REPLICAS: a Redis Cluster of 3 masters (+ REPLICAS each), greygate on it
  local name=$1 first=$2 replicas=$3 ports=() p
  for i in $(seq 0 $((3 * (1 + replicas) - 1))); do
    p=$((first + i))
    ports+=("$p")
    redis_node "$p" --cluster-enabled yes --cluster-config-file "$work/node$p/nodes.conf" \
      --cluster-node-timeout 5000
  done
  for p in "${ports[@]}"; do wait_port "$p"; done
  redis-cli --cluster create $(printf '127.0.0.1:%s ' "${ports[@]}") --cluster-replicas "$replicas" \
    --cluster-yes >"$work/$name-create.log" 2>&1 || { cat "$work/$name-create.log" >&2; exit 1; }
  for _ in $(seq 100); do
    redis-cli -p "$first" cluster info | grep -q '^cluster_state:ok' && break
    sleep 0.1
  done
  redis-cli -p "$first" cluster info | grep -q '^cluster_state:ok' ||
    { echo "the cluster on ports ${ports[*]} did not reach cluster_state:ok" >&2; exit 1; }
  if [ "$replicas" -gt 0 ]; then # every replica in sync before the load starts
    for _ in $(seq 100); do
      local synced=0
      for p in "${ports[@]}"; do
        [ "$(role "$p")" = slave ] && redis-cli -p "$p" info replication | grep -q '^master_link_status:up' &&
          synced=$((synced + 1))
      done
      [ $synced = $((3 * replicas)) ] && break
      sleep 0.1
    done
  fi
  masters_of[$name]="" replicas_of[$name]=""
  for p in "${ports[@]}"; do
    if [ "$(role "$p")" = master ]; then masters_of[$name]+="$p "; else replicas_of[$name]+="$p "; fi
  done
  all_nodes+=("${ports[@]}")
  local m=(${masters_of[$name]})
  local seeds="redis-cluster://127.0.0.1:${m[0]},127.0.0.1:${m[1]},127.0.0.1:${m[2]}"
  has "$name" && serve "$name" "${port[$name]}" --store="$seeds"
  if [ "$name" = greygate-cluster ] && has greygate-cluster-wait; then
    masters_of[greygate-cluster-wait]=${masters_of[$name]} replicas_of[greygate-cluster-wait]=${replicas_of[$name]}
    serve greygate-cluster-wait $PORT_CW --store="$seeds" --redis-wait-replicas=1
  fi
}

declare -A port=([greygate-redis]=$PORT_RD [greygate-lmdb]=$PORT_LM [postgrey]=$PORT_PG [responder]=$PORT_TR
  [greygate-cluster]=$PORT_CL [greygate-cluster-norep]=$PORT_CL3 [greygate-redis-replica]=$PORT_RR
  [greygate-redis-wait]=$PORT_RW [greygate-cluster-wait]=$PORT_CW)
declare -A masters_of=() replicas_of=() serve_pid=()
# each row's peer, the one Redis it is compared with
declare -A peer=([greygate-cluster-norep]=greygate-redis [greygate-cluster]=greygate-redis
  [greygate-redis-wait]=greygate-redis-replica [greygate-cluster-wait]=greygate-cluster)
[ "$FAIR" = 1 ] && peer[greygate-cluster]=greygate-redis-replica
all_nodes=()
: > "$work/empty"
{ has greygate-cluster || has greygate-cluster-wait; } && cluster greygate-cluster "$PORT_CLUSTER" 1
has greygate-cluster-norep && cluster greygate-cluster-norep "$PORT_CLUSTER3" 0
if has greygate-redis; then
  redis_node $PORT_REDIS
  wait_port $PORT_REDIS
  masters_of[greygate-redis]=$PORT_REDIS replicas_of[greygate-redis]=""
  all_nodes+=($PORT_REDIS)
  serve greygate-redis $PORT_RD --store=redis://127.0.0.1:$PORT_REDIS
fi
if has greygate-redis-replica || has greygate-redis-wait; then
  redis_node $PORT_REDIS_R
  redis_node $((PORT_REDIS_R + 1)) --replicaof 127.0.0.1 $PORT_REDIS_R
  wait_port $PORT_REDIS_R
  wait_port $((PORT_REDIS_R + 1))
  for _ in $(seq 100); do
    redis-cli -p $((PORT_REDIS_R + 1)) info replication | grep -q '^master_link_status:up' && break
    sleep 0.1
  done
  masters_of[greygate-redis-replica]=$PORT_REDIS_R replicas_of[greygate-redis-replica]=$((PORT_REDIS_R + 1))
  all_nodes+=($PORT_REDIS_R $((PORT_REDIS_R + 1)))
  has greygate-redis-replica && serve greygate-redis-replica $PORT_RR --store=redis://127.0.0.1:$PORT_REDIS_R
  if has greygate-redis-wait; then
    masters_of[greygate-redis-wait]=$PORT_REDIS_R replicas_of[greygate-redis-wait]=$((PORT_REDIS_R + 1))
    serve greygate-redis-wait $PORT_RW --store=redis://127.0.0.1:$PORT_REDIS_R --redis-wait-replicas=1
  fi
fi
has greygate-lmdb && serve greygate-lmdb $PORT_LM
if has postgrey; then
  mkdir -p "$work/pg" && chown postgrey "$work/pg"
  postgrey --inet=127.0.0.1:$PORT_PG --dbdir="$work/pg" --user=postgrey --group=nogroup --delay=300 \
    --whitelist-clients="$work/empty" --whitelist-recipients="$work/empty" >"$work/postgrey.log" 2>&1 &
  pids+=($!)
  wait_port $PORT_PG
fi
if has responder; then
  bin/greygate responder --inet=127.0.0.1:$PORT_TR >"$work/responder.log" 2>&1 &
  pids+=($!)
  wait_port $PORT_TR
fi

for s in $SERVERS; do
  if [[ $s == *@base ]]; then
    b=${s%@base}
    port[$s]=$((${port[$b]} + 100)) masters_of[$s]=${masters_of[$b]:-} replicas_of[$s]=${replicas_of[$b]:-}
    [ -n "${peer[$b]:-}" ] && peer[$s]=${peer[$b]}@base
  fi
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
rps_of() { grep -o 'rps=[0-9]*' "$1" | cut -d= -f2 | median; }
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| profile | connections | server | requests/s | p99 µs | CPU ms / 1,000 decisions: greygate | Redis masters | Redis replicas | / peer | peer |"
echo "|---|---|---|---|---|---|---|---|---|---|"
offset=0
for profile in $PROFILES; do
  for c in $CONNS; do
    for s in $SERVERS; do : > "$work/$s.$c"; done
    for r in $(seq "$RUNS"); do
      for s in $SERVERS; do
        if [ $profile = new ]; then
          offset=$((offset + 10000000)); args="--keyspace=10000000 --key-offset=$offset"
        else
          args="--keyspace=100000"
        fi
        bin/greygate bench --target=127.0.0.1:${port[$s]} --connections=$c --duration=$DURATION \
          --warmup=$WARMUP --threads=$THREADS $args --label=$s > "$work/line" &
        bench_pid=$!
        sleep "$WARMUP"
        m0=0 m1=0 r0=0 r1=0 g0=0 g1=0
        gp=${serve_pid[$s]:-}
        [ -z "$gp" ] || g0=$(jvm_cpu "$gp")
        [ -z "${masters_of[$s]:-}" ] || { m0=$(redis_cpu ${masters_of[$s]}) r0=$(redis_cpu ${replicas_of[$s]}); }
        wait $bench_pid
        [ -z "$gp" ] || g1=$(jvm_cpu "$gp")
        [ -z "${masters_of[$s]:-}" ] || { m1=$(redis_cpu ${masters_of[$s]}) r1=$(redis_cpu ${replicas_of[$s]}); }
        rps=$(grep -o 'rps=[0-9]*' "$work/line" | cut -d= -f2)
        per() { awk -v a="$1" -v b="$2" -v n="$rps" -v d="$DURATION" 'BEGIN {printf "%.1f", (b - a) * 1e6 / (n * d)}'; }
        extra=""
        [ -z "$gp" ] || extra+=" greygate_cpu_ms_per_1000=$(per "$g0" "$g1")"
        [ -z "${masters_of[$s]:-}" ] ||
          extra+=" redis_cpu_ms_per_1000=$(per "$m0" "$m1") replica_cpu_ms_per_1000=$(per "$r0" "$r1")"
        echo "$(cat "$work/line")$extra" >> "$work/$s.$c"
      done
    done
    for s in $SERVERS; do
      rps=$(rps_of "$work/$s.$c")
      p99=$(grep -o 'p99_us=[0-9]*' "$work/$s.$c" | cut -d= -f2 | median)
      cpu=$( (grep -o 'redis_cpu_ms_per_1000=[0-9.]*' "$work/$s.$c" || true) | cut -d= -f2 | median)
      rcpu=$( (grep -o 'replica_cpu_ms_per_1000=[0-9.]*' "$work/$s.$c" || true) | cut -d= -f2 | median)
      gcpu=$( (grep -o 'greygate_cpu_ms_per_1000=[0-9.]*' "$work/$s.$c" || true) | cut -d= -f2 | median)
      [ -n "${replicas_of[$s]:-}" ] || rcpu=""
      p=${peer[$s]:-greygate-redis}
      if [[ $s == *@base ]]; then p=${peer[$s]:-greygate-redis@base}; fi
      if has "$p"; then
        ratio=$(awk -v a="$rps" -v b="$(rps_of "$work/$p.$c")" 'BEGIN {printf "%.2f", a / b}')
      else
        ratio=- p=-
      fi
      echo "| $profile | $c | $s | $rps | $p99 | ${gcpu:--} | ${cpu:--} | ${rcpu:--} | $ratio | $p |"
    done
  done
done
echo
for s in $SERVERS; do
  [[ $s != *@base ]] || continue
  [ -n "${masters_of[$s]:-}" ] || continue
  for p in ${masters_of[$s]} ${replicas_of[$s]}; do
    echo "$s: Redis $p $(role "$p"), $(redis-cli -p "$p" dbsize) keys, used_memory" \
      "$(redis-cli -p "$p" info memory | tr -d '\r' | awk -F: '/^used_memory:/ {print $2}') bytes"
  done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
