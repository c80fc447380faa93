#!/usr/bin/env bash
# Why a Redis Cluster on one small machine costs more Redis CPU per decision than one Redis
# (docs/performance.md, "Redis Cluster against one Redis, like for like"), in two measurements:
#
# 1. The triplet script's cost inside a server: redis-benchmark runs EVALSHA of triplet.lua
#    (random keys of one hash tag) against a cluster-mode server holding every slot and against
#    a plain one, in turns, ROUNDS times; INFO commandstats gives the µs per call.
# 2. System calls per decision: greygate serve on one Redis, on a cluster of 3 masters (no
#    replicas) and on one Redis with a replica, each under `greygate bench` at CONNS connections;
#    `strace -c -f -p` on the Redis server (and on one master; and on the replica) for 8 s,
#    divided by the EVALSHAs the server ran meanwhile. strace slows the server it watches, so
#    more commands than usual wait per read: compare the setups, not the absolute numbers.
#
#   bench/redis-syscalls.sh                 # as root; CONNS=8 ROUNDS=2
#   BUILD=0 bench/redis-syscalls.sh         # target/greygate.jar as it is
#
# Ports: PORT_BASE..PORT_BASE+20 on loopback (cluster bus ports 10000 above: keep them below the
# ephemeral range).
set -euo pipefail
cd "$(dirname "$0")/.."
CONNS=${CONNS:-8}
ROUNDS=${ROUNDS:-2}
PORT_BASE=${PORT_BASE:-21201}
for p in redis-server redis-benchmark strace; do
  command -v $p >/dev/null || { echo "bench/redis-syscalls.sh needs $p" >&2; exit 1; }
done
[ "${BUILD:-1}" = 0 ] || mvn -q -B -DskipTests -Dgreygate.deb.skip=true package
work=$(mktemp -d /tmp/greygate-syscalls.XXXXXX)
cp target/greygate.jar "$work/greygate.jar"
export GREYGATE_JAR="$work/greygate.jar"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
: > "$work/empty"
node() { # PORT [redis-server ARGS...]
  local p=$1
  shift
  mkdir -p "$work/n$p"
  redis-server --port "$p" --bind 127.0.0.1 --save '' --appendonly no --dir "$work/n$p" \
    --logfile "$work/n$p/log" "$@" &
  pids+=($!)
}
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 not listening" >&2; exit 1; }
wait_cluster() { for _ in $(seq 100); do redis-cli -p "$1" cluster info | grep -q '^cluster_state:ok' && return 0; sleep 0.1; done; echo "cluster at $1 not ok" >&2; exit 1; }
evalsha() { redis-cli -p "$1" info commandstats | tr -d '\r' | awk -F'[=,:]' '/^cmdstat_evalsha:/ {print $3}'; }
script=src/main/resources/org/greygate/store/redis/triplet.lua

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
# 1. the script inside a server
one=$PORT_BASE alone=$((PORT_BASE + 1))
node $one
node $alone --cluster-enabled yes --cluster-config-file "$work/n$alone/nodes.conf"
wait_port $one
wait_port $alone
redis-cli -p $alone cluster addslotsrange 0 16383 >/dev/null
wait_cluster $alone
for p in $one $alone; do sha=$(redis-cli -p $p script load "$(cat $script)"); done
echo
echo "| round | server | µs per EVALSHA of triplet.lua |"
echo "|---|---|---|"
for r in $(seq "$ROUNDS"); do
  for p in $alone $one; do
    redis-cli -p $p config resetstat >/dev/null
    redis-benchmark -p $p -c "$CONNS" -n 200000 -r 100000000 --csv \
      EVALSHA "$sha" 2 '{x}t:__rand_int__' '{x}c:__rand_int__' 1000 300 86400 5 3600 3024000 86400 3024000 >/dev/null
    us=$(redis-cli -p $p info commandstats | tr -d '\r' | awk -F'usec_per_call=' '/^cmdstat_evalsha:/ {split($2, a, ","); print a[1]}')
    echo "| $r | $([ $p = $alone ] && echo "cluster mode, all slots" || echo "plain") | $us |"
  done
done

# 2. system calls per decision under greygate
m1=$((PORT_BASE + 2)) m2=$((PORT_BASE + 3)) m3=$((PORT_BASE + 4)) rm=$((PORT_BASE + 5)) rr=$((PORT_BASE + 6))
for p in $m1 $m2 $m3; do node $p --cluster-enabled yes --cluster-config-file "$work/n$p/nodes.conf"; done
node $rm
node $rr --replicaof 127.0.0.1 $rm
for p in $m1 $m2 $m3 $rm $rr; do wait_port $p; done
redis-cli --cluster create 127.0.0.1:$m1 127.0.0.1:$m2 127.0.0.1:$m3 --cluster-replicas 0 --cluster-yes >/dev/null
wait_cluster $m1
echo
echo "| setup | server | decisions | system calls | per decision | reads per decision | requests/s |"
echo "|---|---|---|---|---|---|---|"
gport=$((PORT_BASE + 10))
for setup in one cluster replica; do
  case $setup in
    one) store=redis://127.0.0.1:$one; traced=($one); counted=$one ;;
    cluster) store=redis-cluster://127.0.0.1:$m1,127.0.0.1:$m2,127.0.0.1:$m3; traced=($m1); counted=$m1 ;;
    replica) store=redis://127.0.0.1:$rm; traced=($rm $rr); counted=$rm ;;
  esac
  gport=$((gport + 1))
  bin/greygate serve --inet=127.0.0.1:$gport --dbdir="$work/$setup" -q --delay=300 --store=$store \
    --whitelist-clients="$work/empty" --whitelist-recipients="$work/empty" >"$work/$setup.log" 2>&1 &
  pids+=($!)
  wait_port $gport
  bin/greygate bench --target=127.0.0.1:$gport --connections="$CONNS" --duration=16 --warmup=2 \
    --threads=2 --keyspace=10000000 --key-offset=$((RANDOM * 100000)) --label=$setup >"$work/line" &
  b=$!
  sleep 4
  e0=$(evalsha $counted)
  for p in "${traced[@]}"; do
    pid=$(redis-cli -p $p info server | tr -d '\r' | awk -F: '/^process_id:/ {print $2}')
    timeout -s INT 8 strace -c -f -p "$pid" -o "$work/st.$p" 2>/dev/null &
  done
  sleep 8.5
  e1=$(evalsha $counted)
  wait $b
  rps=$(grep -oE '(^| )rps=[0-9]+' "$work/line" | head -1 | cut -d= -f2)
  for p in "${traced[@]}"; do
    calls=$(awk '$NF == "total" {print $4}' "$work/st.$p")
    reads=$(awk '$NF == "read" {print $4}' "$work/st.$p")
    role=$([ $p = $rr ] && echo replica || echo "$([ $setup = cluster ] && echo "one of 3 masters" || echo "the Redis")")
    echo "| $setup | $role | $((e1 - e0)) | $calls |" \
      "$(awk -v a="$calls" -v b=$((e1 - e0)) 'BEGIN {printf "%.2f", a / b}') |" \
      "$(awk -v a="${reads:-0}" -v b=$((e1 - e0)) 'BEGIN {printf "%.2f", a / b}') | $rps |"
  done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
