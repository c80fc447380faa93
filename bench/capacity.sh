#!/usr/bin/env bash
# The capacity model's measurements (docs/scaling.md; numbers in docs/performance.md, "Capacity"),
# in parts, each one run on this machine:
#
#   rate   requests/s of ONE core: each server pinned to core 1 (taskset), the load generator and
#          Redis on core 0; greygate on LMDB, greygate on one Redis, greygate's responder (the
#          protocol's ceiling) and Postgrey, in turns, the new and mix profiles, RUNS runs each;
#          beside each: the server's CPU per 1,000 answers (/proc/PID/stat), Redis's CPU per
#          1,000 decisions (INFO cpu), fail-open answers (greygate_fail_open_total); then the
#          LMDB store the load wrote: bytes per triplet.
#   size   bytes per row: ROWS made-up triplets (bench/gendump.py: random order, realistic key
#          lengths) loaded with `greygate db load` (LMDB), then copied with `greygate db copy` to
#          an empty Redis (INFO memory used_memory before and after); the same for ROWS clients.
#   large  LARGE rows (10% of them expired 40 days ago) loaded into LMDB: bytes per triplet, the
#          daemon's first expiry sweep (deletes the expired tenth) and a second one (nothing to
#          delete: the hourly round's steady cost), wall time and the sweep thread's CPU; then
#          the new and mix loads against it and against an empty store, in turns: requests/s, p99.
#
#   bench/capacity.sh                              # rate and size (about 15 minutes)
#   PARTS=large LARGE=30000000 bench/capacity.sh   # about 10 GB in $TMPDIR, 20-30 minutes
#   PARTS="rate" RUNS=2 bench/capacity.sh
#
# Needs root for Postgrey (it drops privileges); installs postgrey and redis-server if missing.
# Compare numbers within one run: the machine's speed changes from hour to hour.
set -euo pipefail
cd "$(dirname "$0")/.."

PARTS=${PARTS:-"rate size"}
RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
CONNS=${CONNS:-8}
ROWS=${ROWS:-1000000}
LARGE=${LARGE:-30000000}
SERVER_CPU=${SERVER_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
BASE=${BASE_PORT:-10120} # servers BASE..BASE+4, their metrics BASE+10.., Redis BASE+20

for p in postgrey redis-server taskset; do
  command -v $p >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -q $p >/dev/null; }
done
service postgrey stop >/dev/null 2>&1 || true
mvn -q -B -DskipTests -Dgreygate.deb.skip=true package

work=$(mktemp -d "${TMPDIR:-/tmp}/greygate-capacity.XXXXXX")
chmod 755 "$work"
cp target/greygate.jar "$work/greygate.jar"
export GREYGATE_JAR="$work/greygate.jar"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
: > "$work/empty"
wait_port() { for _ in $(seq 300); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 not listening" >&2; exit 1; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # user + system CPU of a process, in clock ticks
HZ=$(getconf CLK_TCK)
redis_cpu() { redis-cli -p "$1" info cpu | awk -F: '/^used_cpu_(sys|user):/ {s += $2} END {printf "%.3f", s}'; }
redis_mem() { redis-cli -p "$1" info memory | awk -F: '/^used_memory:/ {print $2 + 0}'; }
metric() { # PORT NAME: the sum of a Prometheus counter's series
  curl -s "http://127.0.0.1:$1/metrics" | awk -v n="$2" '$1 ~ "^"n"({|$)" {s += $NF} END {printf "%d", s}'
}
file_bytes() { stat -c %s "$1/data.mdb"; }
rows() { bin/greygate db stats --dbdir="$1" | awk '/^triplets:/ {print $2}'; }
start_redis() { # PORT [taskset prefix...]
  local port=$1
  shift
  "$@" redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
    --logfile "$work/redis-$port.log" &
  pids+=($!)
  wait_port "$port"
}
grey() { # PORT METRICS_PORT DBDIR [more serve options]: greygate serve, pinned to the server core
  local port=$1 mport=$2 db=$3
  shift 3
  taskset -c "$SERVER_CPU" bin/greygate serve --inet=127.0.0.1:"$port" --dbdir="$db" -q --delay=300 \
    --stats-interval=0 --metrics=127.0.0.1:"$mport" \
    --whitelist-clients="$work/empty" --whitelist-recipients="$work/empty" "$@" >"$db.log" 2>&1 &
  pids+=($!)
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r); $(java -version 2>&1 | head -1); redis $(redis-server --version | grep -o 'v=[0-9.]*')"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

part_rate() {
  local P_GR=$BASE P_RD=$((BASE + 1)) P_PG=$((BASE + 2)) P_TR=$((BASE + 3)) P_REDIS=$((BASE + 20))
  start_redis $P_REDIS taskset -c "$LOAD_CPU"
  mkdir -p "$work/pg" && chown postgrey "$work/pg"
  taskset -c "$SERVER_CPU" postgrey --inet=127.0.0.1:$P_PG --dbdir="$work/pg" --user=postgrey \
    --group=nogroup --delay=300 --whitelist-clients="$work/empty" \
    --whitelist-recipients="$work/empty" >"$work/postgrey.log" 2>&1 &
  pids+=($!)
  local pid_pg=$!
  grey $P_GR $((P_GR + 10)) "$work/lmdb"
  local pid_gr=$!
  grey $P_RD $((P_RD + 10)) "$work/redis" --store=redis://127.0.0.1:$P_REDIS
  local pid_rd=$!
  taskset -c "$SERVER_CPU" bin/greygate responder --inet=127.0.0.1:$P_TR >"$work/responder.log" 2>&1 &
  pids+=($!)
  local pid_tr=$!
  for p in $P_GR $P_RD $P_PG $P_TR; do wait_port $p; done
  declare -A port=([lmdb]=$P_GR [redis]=$P_RD [postgrey]=$P_PG [responder]=$P_TR)
  declare -A pid=([lmdb]=$pid_gr [redis]=$pid_rd [postgrey]=$pid_pg [responder]=$pid_tr)
  local servers="lmdb redis responder postgrey" offset=0
  for s in $servers; do # JIT warm-up on the one core, not measured
    taskset -c "$LOAD_CPU" bin/greygate bench --target=127.0.0.1:${port[$s]} --connections="$CONNS" \
      --duration="$DURATION" --warmup=0 --threads=2 --profile=mix --key-offset=5000000000 >/dev/null
  done
  echo
  echo "## rate: one core (servers on CPU $SERVER_CPU; load generator and Redis on CPU $LOAD_CPU), $CONNS connections, ${DURATION} s after ${WARMUP} s warm-up, median of $RUNS"
  echo
  echo "| profile | server | requests/s (one core) | server CPU ms / 1,000 answers | Redis CPU ms / 1,000 decisions | p99 µs | fail-open | / responder | × postgrey | load average |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---|"
  for profile in new mix; do
    for s in $servers; do : > "$work/$s.$profile"; done
    for r in $(seq "$RUNS"); do
      for s in $servers; do
        offset=$((offset + 10000000))
        local mp=$((port[$s] + 10)) fo0=0 fo1=0 rc0=0 rc1=0 t0 t1 line
        [ "$s" = lmdb ] || [ "$s" = redis ] && fo0=$(metric $mp greygate_fail_open_total)
        taskset -c "$LOAD_CPU" bin/greygate bench --target=127.0.0.1:${port[$s]} --connections="$CONNS" \
          --duration="$DURATION" --warmup="$WARMUP" --threads=2 --profile=$profile \
          --keyspace=100000 --key-offset=$offset --label=$s > "$work/line" &
        local bpid=$!
        sleep "$WARMUP"
        t0=$(ticks "${pid[$s]}")
        [ "$s" = redis ] && rc0=$(redis_cpu $P_REDIS)
        wait $bpid
        t1=$(ticks "${pid[$s]}")
        [ "$s" = redis ] && rc1=$(redis_cpu $P_REDIS)
        [ "$s" = lmdb ] || [ "$s" = redis ] && fo1=$(metric $mp greygate_fail_open_total)
        line=$(cat "$work/line")
        local rps
        rps=$(grep -o 'rps=[0-9]*' <<<"$line" | cut -d= -f2)
        echo "$rps $(grep -o 'p99_us=[0-9]*' <<<"$line" | cut -d= -f2)" \
          "$(awk -v t=$((t1 - t0)) -v hz="$HZ" -v n="$rps" -v d="$DURATION" 'BEGIN {printf "%.1f", t / hz * 1e6 / (n * d)}')" \
          "$(awk -v a="$rc0" -v b="$rc1" -v n="$rps" -v d="$DURATION" 'BEGIN {printf "%.1f", (b - a) * 1e6 / (n * d)}')" \
          "$((fo1 - fo0))" "$(cut -d' ' -f1 /proc/loadavg)" >> "$work/$s.$profile"
      done
    done
    local resp pg
    resp=$(cut -d' ' -f1 "$work/responder.$profile" | median)
    pg=$(cut -d' ' -f1 "$work/postgrey.$profile" | median)
    for s in $servers; do
      local f="$work/$s.$profile" rps
      rps=$(cut -d' ' -f1 "$f" | median)
      echo "| $profile | $s | $rps | $(cut -d' ' -f3 "$f" | median) | $([ $s = redis ] && cut -d' ' -f4 "$f" | median || echo -) |" \
        "$(cut -d' ' -f2 "$f" | median) | $(awk '{s += $5} END {print s}' "$f") |" \
        "$(awk -v a="$rps" -v b="$resp" 'BEGIN {printf "%.2f", a / b}') | $(awk -v a="$rps" -v b="$pg" 'BEGIN {printf "%.1f×", a / b}') | $(cut -d' ' -f6 "$f" | tr '\n' ' ')|"
    done
  done
  echo
  echo "LMDB store written by the load: $(rows "$work/lmdb") triplets in $(file_bytes "$work/lmdb") bytes:" \
    "$(( $(file_bytes "$work/lmdb") / $(rows "$work/lmdb") )) bytes per triplet (bench keys, about 50 bytes)"
  echo "Redis after the load: $(redis-cli -p $P_REDIS dbsize) keys, used_memory $(redis_mem $P_REDIS) bytes"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
}

stats_line_cost() { # PORT KEYS: an idle daemon on that Redis, its stats line every 5 s for 30 s
  local port=$1 keys=$2 c0 c1 pid lines
  bin/greygate serve --inet=127.0.0.1:$((BASE + 5)) --dbdir="$work/stats" --store=redis://127.0.0.1:$port \
    --stats-interval=5 -q --whitelist-clients="$work/empty" --whitelist-recipients="$work/empty" \
    >"$work/stats.log" 2>&1 &
  pid=$!
  wait_port $((BASE + 5))
  c0=$(redis_cpu $port)
  sleep 30
  c1=$(redis_cpu $port)
  kill $pid; wait $pid 2>/dev/null || true
  lines=$(grep -c 'triplets=' "$work/stats.log" || true)
  echo
  echo "stats line on Redis ($keys keys, no load): $lines lines in 30 s; Redis CPU $(awk -v a="$c0" -v b="$c1" 'BEGIN {printf "%.2f", b - a}') s" \
    "(the count of triplets walks every key with SCAN and MGET); the last: $(grep 'triplets=' "$work/stats.log" | tail -1 | grep -o 'triplets=[0-9]*')"
  echo
}

part_size() {
  local P_REDIS=$((BASE + 21))
  echo
  echo "## size: $ROWS rows of each kind, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  start_redis $P_REDIS
  echo "| store | rows | mean key bytes | bytes | bytes per row | how long |"
  echo "|---|---:|---:|---:|---:|---|"
  for kind in triplets clients; do
    local keybytes s0 s1 m0 m1 n
    keybytes=$(python3 bench/gendump.py $kind "$ROWS" 26 2>&1 >"$work/$kind.dump" | grep -o 'mean key [0-9.]*' | cut -d' ' -f3)
    s0=$(date +%s%N)
    bin/greygate db load --dbdir="$work/$kind" "$work/$kind.dump" 2>/dev/null | grep -v chown >&2
    s1=$(date +%s%N)
    n=$([ $kind = triplets ] && rows "$work/$kind" || bin/greygate db stats --dbdir="$work/$kind" | awk '/^clients:/ {print $2}')
    echo "| LMDB (\`db load\`) | $n | $keybytes | $(file_bytes "$work/$kind") | $(( $(file_bytes "$work/$kind") / n )) | $(( (s1 - s0) / 1000000 )) ms |"
    redis-cli -p $P_REDIS flushall >/dev/null
    m0=$(redis_mem $P_REDIS)
    s0=$(date +%s%N)
    bin/greygate db copy --from="$work/$kind" --to=redis://127.0.0.1:$P_REDIS --delay=300 \
      --max-age=35 --retry-window=2 2>&1 | tail -1 >&2
    s1=$(date +%s%N)
    m1=$(redis_mem $P_REDIS)
    n=$(redis-cli -p $P_REDIS dbsize)
    echo "| Redis (\`db copy\`, used_memory) | $n | $keybytes | $((m1 - m0)) | $(( (m1 - m0) / n )) | $(( (s1 - s0) / 1000000 )) ms |"
    if [ $kind = triplets ]; then stats_line_cost $P_REDIS "$n"; fi
    rm -f "$work/$kind.dump"
  done
  redis-cli -p $P_REDIS info memory | grep -E '^(used_memory|used_memory_rss|mem_fragmentation_ratio|allocator_frag_ratio):' | tr -d '\r' >&2
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
  rm -rf "$work/triplets" "$work/clients"
}

part_large() {
  local PORT=$((BASE + 4)) MPORT=$((BASE + 14))
  echo
  echo "## large: $LARGE triplets (10% expired), load average $(cut -d' ' -f1-3 /proc/loadavg); disk: $(df -h "$work" | awk 'NR==2 {print $4}') free"
  local s0 s1
  s0=$(date +%s)
  python3 bench/gendump.py triplets "$LARGE" 27 10 2>"$work/gen.err" | bin/greygate db load --dbdir="$work/big" - 2>&1 | grep -v 'grown to\|chown'
  s1=$(date +%s)
  local n bytes
  n=$(rows "$work/big")
  bytes=$(file_bytes "$work/big")
  echo "loaded: $(cat "$work/gen.err"); $n triplets, data.mdb $bytes bytes ($((bytes / n)) per triplet) in $((s1 - s0)) s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
  serve_big() { # label: start on the big store, time the sweep that starts with the daemon
    local pid rounds=0 t0 c0 cpu
    bin/greygate serve --inet=127.0.0.1:$PORT --dbdir="$work/big" -q --delay=300 --stats-interval=0 \
      --metrics=127.0.0.1:$MPORT --whitelist-clients="$work/empty" --whitelist-recipients="$work/empty" \
      >"$work/big-$1.log" 2>&1 &
    pid=$!
    pids+=($pid)
    wait_port $PORT
    t0=$(date +%s%N)
    c0=$(ticks $pid)
    while [ "$rounds" -lt 1 ]; do
      sleep 0.2
      rounds=$(metric $MPORT greygate_sweep_rounds_total)
    done
    # the sweep's thread walks the rows; LMDB deletes them on its writer thread
    cpu=$(for t in expiry-sweep lmdb-writer; do
      f=$(grep -l "^$t\$" /proc/$pid/task/*/comm | head -1)
      awk -v t=$t -v hz="$HZ" '{printf "%s %.1f s, ", t, ($14 + $15) / hz}' "${f%comm}stat"
    done)
    echo "sweep ($1): $(grep -ho 'expiry sweep: .*' "$work/big-$1.log" || echo "nothing to delete");" \
      "listening to the round counted $(( ($(date +%s%N) - t0) / 1000000 )) ms, the process's CPU meanwhile" \
      "$(awk -v t=$(( $(ticks $pid) - c0 )) -v hz="$HZ" 'BEGIN {printf "%.1f", t / hz}') s (threads since start: ${cpu%, });" \
      "$(curl -s http://127.0.0.1:$MPORT/metrics | awk '/^greygate_sweep_rows_total/ {printf "%s ", $0}');" \
      "load average $(cut -d' ' -f1-3 /proc/loadavg)"
    BIG_PID=$pid
  }
  serve_big first
  kill $BIG_PID; wait $BIG_PID 2>/dev/null || true
  serve_big second
  echo "after the sweeps: $(rows "$work/big") triplets, data.mdb $(file_bytes "$work/big") bytes"
  kill $BIG_PID; wait $BIG_PID 2>/dev/null || true
  # the loads: the big store against an empty one, in turns
  mkdir -p "$work/small"
  echo
  echo "| store | profile | requests/s | p50 µs | p99 µs | p99.9 µs | fail-open | load average |"
  echo "|---|---|---:|---:|---:|---:|---:|---|"
  local round=0
  for r in $(seq "$RUNS"); do
    for profile in new mix; do
      for db in big small; do
        round=$((round + 1))
        bin/greygate serve --inet=127.0.0.1:$PORT --dbdir="$work/$db" -q --delay=300 --stats-interval=0 \
          --sweep-interval=86400 --metrics=127.0.0.1:$MPORT --whitelist-clients="$work/empty" \
          --whitelist-recipients="$work/empty" >"$work/load-$db.log" 2>&1 &
        local pid=$!
        pids+=($pid)
        wait_port $PORT
        # the sweep at start: wait it out, so the load measures decisions alone
        while [ "$(metric $MPORT greygate_sweep_rounds_total)" -lt 1 ]; do sleep 0.2; done
        local line
        line=$(bin/greygate bench --target=127.0.0.1:$PORT --connections="$CONNS" --threads=2 \
          --duration="$DURATION" --warmup="$WARMUP" --profile=$profile --keyspace=100000 \
          --key-offset=$((round * 100000000)) --label=$db)
        echo "| $db | $profile | $(grep -o 'rps=[0-9]*' <<<"$line" | cut -d= -f2) |" \
          "$(grep -o 'p50_us=[0-9]*' <<<"$line" | cut -d= -f2) | $(grep -o 'p99_us=[0-9]*' <<<"$line" | cut -d= -f2) |" \
          "$(grep -o 'p999_us=[0-9]*' <<<"$line" | cut -d= -f2) | $(metric $MPORT greygate_fail_open_total) | $(cut -d' ' -f1 /proc/loadavg) |"
        kill $pid; wait $pid 2>/dev/null || true
      done
    done
  done
  pids=()
  rm -rf "$work/big" "$work/small"
}

for part in $PARTS; do "part_$part"; done
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
