#!/usr/bin/env bash
# The reply modes and transports of docs/performance.md (the tables before profiles), in one run:
# greygate (default: bounded replies) and greygate-inline (--reply-timeout=0) vs Postgrey 1.37
# (Debian package) vs the trivial responder (greygate's network stack answering DUNNO: the
# ceiling), each loaded by `greygate bench` at 1, 8 and 32 connections.
# Every cell is the median of RUNS runs; all servers are measured in the same run, in turns.
#
#   bench/modes.sh                        # defaults below
#   RUNS=5 DURATION=20 bench/modes.sh     # longer
#   TRANSPORT=unix bench/modes.sh         # every server on a unix socket instead of loopback TCP
#   BASELINE_JAR=/tmp/old.jar bench/modes.sh  # also measure another build, as greygate-before
#
# Needs root for Postgrey (it drops privileges to the postgrey user); installs postgrey if missing.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
CONNS=${CONNS:-"1 8 32"}
KEYSPACE=${KEYSPACE:-100000}
DELAY=${DELAY:-5}          # short greylist delay so the load mixes new, early-retry and passing triplets
THREADS=${THREADS:-2}      # load generator threads
TRANSPORT=${TRANSPORT:-tcp}  # tcp (127.0.0.1) or unix
PORT_GG=${PORT_GG:-10061}; PORT_PG=${PORT_PG:-10062}; PORT_TR=${PORT_TR:-10063}; PORT_GI=${PORT_GI:-10064}
PORT_GB=${PORT_GB:-10065}
BASELINE_JAR=${BASELINE_JAR:-}

command -v postgrey >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgrey >/dev/null; }
service postgrey stop >/dev/null 2>&1 || true
mvn -q -B -DskipTests package

work=$(mktemp -d /tmp/greygate-compare.XXXXXX)
chmod 755 "$work"
# run this build, whatever happens to the working tree meanwhile
cp target/greygate.jar "$work/greygate.jar"
export GREYGATE_JAR="$work/greygate.jar"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 not listening" >&2; exit 1; }

: > "$work/empty"
mkdir -p "$work/pg" && chown postgrey "$work/pg"
# listen: the option for one server; target: where the generator connects
listen() { if [ "$TRANSPORT" = unix ]; then echo "--unix=$work/$1.sock"; else echo "--inet=127.0.0.1:$2"; fi; }
target() { if [ "$TRANSPORT" = unix ]; then echo "unix:$work/$1.sock"; else echo "127.0.0.1:$2"; fi; }
postgrey $(listen pg/pg $PORT_PG) --dbdir="$work/pg" --user=postgrey --group=nogroup --delay=$DELAY \
  --whitelist-clients="$work/empty" --whitelist-recipients="$work/empty" >"$work/postgrey.log" 2>&1 &
pids+=($!)
bin/greygate serve $(listen gg $PORT_GG) --dbdir="$work/gg" --delay=$DELAY -q \
  --whitelist-clients="$work/empty" --whitelist-recipients="$work/empty" >"$work/greygate.log" 2>&1 &
pids+=($!)
bin/greygate serve $(listen gi $PORT_GI) --dbdir="$work/gi" --delay=$DELAY -q --reply-timeout=0 \
  --whitelist-clients="$work/empty" --whitelist-recipients="$work/empty" >"$work/greygate-inline.log" 2>&1 &
pids+=($!)
bin/greygate responder $(listen tr $PORT_TR) >"$work/responder.log" 2>&1 &
pids+=($!)
servers="greygate greygate-inline postgrey responder"
if [ -n "$BASELINE_JAR" ]; then
  cp "$BASELINE_JAR" "$work/before.jar"
  GREYGATE_JAR="$work/before.jar" bin/greygate serve $(listen gb $PORT_GB) --dbdir="$work/gb" \
    --delay=$DELAY -q --whitelist-clients="$work/empty" --whitelist-recipients="$work/empty" \
    >"$work/greygate-before.log" 2>&1 &
  pids+=($!)
  servers="greygate-before $servers"
fi
if [ "$TRANSPORT" = unix ]; then
  socks="pg/pg gg gi tr"; [ -n "$BASELINE_JAR" ] && socks="$socks gb"
  for s in $socks; do  # Postgrey writes its socket in its own directory
    for _ in $(seq 100); do [ -S "$work/$s.sock" ] && break; sleep 0.1; done
    [ -S "$work/$s.sock" ] || { echo "no socket $work/$s.sock" >&2; exit 1; }
  done
  sleep 1
else
  wait_port $PORT_PG; wait_port $PORT_GG; wait_port $PORT_GI; wait_port $PORT_TR
  [ -z "$BASELINE_JAR" ] || wait_port $PORT_GB
fi

bench() { # label target conns round: every round uses triplets no server has seen yet
  bin/greygate bench --target=$2 --connections=$3 --threads=$THREADS --duration=$DURATION \
    --warmup=$WARMUP --keyspace=$KEYSPACE --key-offset=$(( $4 * KEYSPACE )) --label=$1
}

results="$work/results"
: > "$results"
round=0
for c in $CONNS; do
  for r in $(seq "$RUNS"); do
    round=$((round + 1))
    for label in $servers; do
      case $label in
        greygate) set -- greygate "$(target gg $PORT_GG)" ;;
        greygate-inline) set -- greygate-inline "$(target gi $PORT_GI)" ;;
        greygate-before) set -- greygate-before "$(target gb $PORT_GB)" ;;
        postgrey) set -- postgrey "$(target pg/pg $PORT_PG)" ;;
        responder) set -- responder "$(target tr $PORT_TR)" ;;
      esac
      line=$(bench "$1" "$2" "$c" "$round")
      echo "$line" >&2
      echo "$line" >> "$results"
    done
  done
done

echo
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r); $(java -version 2>&1 | head -1); postgrey $(dpkg-query -W -f='${Version}' postgrey)"
echo "transport=$TRANSPORT runs=$RUNS duration=${DURATION}s warmup=${WARMUP}s keyspace=$KEYSPACE delay=${DELAY}s generator-threads=$THREADS"
echo
python3 - "$results" "$CONNS" <<'PY'
import re, sys, statistics
rows = {}
for line in open(sys.argv[1]):
    answers = re.search(r'answers=(\{.*\})', line)
    f = dict(re.findall(r'(\w+)=([^ {]+)', line.split(' answers=')[0]))
    f['answers'] = answers.group(1) if answers else ''
    label = line.split()[0]
    rows.setdefault((label, int(f['connections'])), []).append(f)
conns = [int(c) for c in sys.argv[2].split()]
print("| connections | server | requests/s | p50 µs | p99 µs | p99.9 µs | answers (last run) |")
print("|---:|---|---:|---:|---:|---:|---|")
for c in conns:
    med = {}
    for label in ("greygate-before", "greygate", "greygate-inline", "postgrey", "responder"):
        rs = rows.get((label, c), [])
        if not rs: continue
        rps = statistics.median(float(r['rps']) for r in rs)
        med[label] = rps
        p = lambda k: statistics.median(float(r[k]) for r in rs)
        print(f"| {c} | {label} | {rps:,.0f} | {p('p50_us'):,.0f} | {p('p99_us'):,.0f} | {p('p999_us'):,.0f} | {rs[-1]['answers']} |")
    for g in ("greygate-before", "greygate", "greygate-inline"):
        if g in med and 'postgrey' in med:
            extra = f", {100*med[g]/med['responder']:.0f}% of the responder ceiling" if 'responder' in med else ""
            print(f"| {c} | **{g} / postgrey** | **{med[g]/med['postgrey']:.1f}×**{extra} | | | | |")
    if 'greygate-before' in med and 'greygate' in med:
        print(f"| {c} | **greygate / greygate-before** | **{med['greygate']/med['greygate-before']:.2f}×** | | | | |")
PY
