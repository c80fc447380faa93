#!/usr/bin/env bash
# Throughput with outbound rate limits (docs/performance.md, "Rate limits"), in one run:
#   greygate-rules   five rules (docs/outbound.md), END-OF-MESSAGE requests of USERS accounts
#   greygate         greylisting alone, RCPT requests (the baseline the issue compares with)
#   postgrey         Postgrey 1.37 (Debian package), RCPT requests
#   responder        greygate's network stack answering DUNNO (the ceiling), END-OF-MESSAGE requests
# Every cell is the median of RUNS runs, servers measured in turns.
#
#   bench/ratelimit.sh                    # defaults below
#   RUNS=5 DURATION=20 CONNS="1 8" bench/ratelimit.sh
#
# Needs root for Postgrey (it drops privileges); installs postgrey if missing.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
CONNS=${CONNS:-"8"}
USERS=${USERS:-10000}
KEYSPACE=${KEYSPACE:-100000}
THREADS=${THREADS:-2}
PORT_RL=${PORT_RL:-10071}; PORT_GG=${PORT_GG:-10072}; PORT_PG=${PORT_PG:-10073}; PORT_TR=${PORT_TR:-10074}

command -v postgrey >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgrey >/dev/null; }
service postgrey stop >/dev/null 2>&1 || true
mvn -q -B -DskipTests -Dgreygate.deb.skip=true package

work=$(mktemp -d /tmp/greygate-ratelimit.XXXXXX)
chmod 755 "$work"
cp target/greygate.jar "$work/greygate.jar"
export GREYGATE_JAR="$work/greygate.jar"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 not listening" >&2; exit 1; }

# limits as a site sets them: ordinary mail passes (a limit answers only a flood), so this
# measures what five rules cost every message; HITS=1 makes every message pass a limit instead
if [ -n "${HITS:-}" ]; then burst=30; ipbulk=500; else burst=100000; ipbulk=1000000; fi
cat > "$work/rules" <<RULES
user-burst   sasl_username      messages    $burst     10m  HOLD
user-daily   sasl_username      recipients  100000000  1d   DEFER
ip-bulk      client_address/24  messages    $ipbulk    1h   REJECT
dom-daily    sender_domain      recipients  100000000  1d   WARN
all          global             messages    100000000  1h   HOLD
RULES
: > "$work/empty"
mkdir -p "$work/pg" && chown postgrey "$work/pg"
postgrey --inet=127.0.0.1:$PORT_PG --dbdir="$work/pg" --user=postgrey --group=nogroup --delay=5 \
  --whitelist-clients="$work/empty" --whitelist-recipients="$work/empty" >"$work/postgrey.log" 2>&1 &
pids+=($!)
bin/greygate serve --inet=127.0.0.1:$PORT_RL --dbdir="$work/rl" --rules="$work/rules" -q \
  --whitelist-clients="$work/empty" --whitelist-recipients="$work/empty" >"$work/rules.log" 2>&1 &
pids+=($!)
bin/greygate serve --inet=127.0.0.1:$PORT_GG --dbdir="$work/gg" --delay=5 -q \
  --whitelist-clients="$work/empty" --whitelist-recipients="$work/empty" >"$work/greygate.log" 2>&1 &
pids+=($!)
bin/greygate responder --inet=127.0.0.1:$PORT_TR >"$work/responder.log" 2>&1 &
pids+=($!)
for p in $PORT_RL $PORT_GG $PORT_PG $PORT_TR; do wait_port $p; done

declare -A port=([greygate-rules]=$PORT_RL [greygate]=$PORT_GG [postgrey]=$PORT_PG [responder]=$PORT_TR)
declare -A args=([greygate-rules]="--mix=submission --keyspace=$USERS" [greygate]="--keyspace=$KEYSPACE"
                 [postgrey]="--keyspace=$KEYSPACE" [responder]="--mix=submission --keyspace=$USERS")
servers="greygate-rules greygate postgrey responder"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "| connections | server | requests/s | p99 µs | answers (last run) |"
echo "|---|---|---|---|---|"
for c in $CONNS; do
  for s in $servers; do : > "$work/$s.$c"; done
  for r in $(seq "$RUNS"); do
    for s in $servers; do
      bin/greygate bench --target=127.0.0.1:${port[$s]} --connections=$c --duration=$DURATION \
        --warmup=$WARMUP --threads=$THREADS ${args[$s]} --label=$s >> "$work/$s.$c"
    done
  done
  for s in $servers; do
    rps=$(grep -o 'rps=[0-9]*' "$work/$s.$c" | cut -d= -f2 | median)
    p99=$(grep -o 'p99_us=[0-9]*' "$work/$s.$c" | cut -d= -f2 | median)
    answers=$(tail -1 "$work/$s.$c" | grep -o 'answers=.*' | cut -d= -f2-)
    echo "| $c | $s | $rps | $p99 | $answers |"
  done
done
