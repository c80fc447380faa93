#!/usr/bin/env bash
# greygate against the machine's ceiling, per load profile, in one run (docs/performance.md,
# "Profiles against the C ceiling"):
#   greygate    serve with its defaults (embedded LMDB store, bounded replies)
#   responder   greygate's own network stack answering DUNNO (no decision, no store)
#   ceiling     bench/c/ceiling.c: a minimal C epoll server answering DUNNO (the machine's limit)
#   postgrey    Postgrey 1.37 (Debian package)
# each loaded by `greygate bench --profile=P` (new: every request a triplet never seen, a spam
# wave; mix: mostly new, some retries past the delay, a hot set of known senders; known: all
# seen), at each of CONNS connections; every cell the median of RUNS runs, servers in turns.
# greygate's fail-open answers are counted apart, from its own greygate_fail_open_total ("?" for
# servers that do not say): a DUNNO given because the store could not keep up is not a decision.
# Then the generator is checked: bench/c/loadgen.c and `greygate bench` against the ceiling.
#
#   bench/compare.sh                               # RUNS=3, DURATION=10, CONNS="1 8"
#   PROFILES=new CONNS=8 RUNS=5 bench/compare.sh
#   BEFORE_JAR=/path/to/old/greygate.jar bench/compare.sh   # also the build before, in turns
#
# BEFORE_JAR adds a fifth server, "before": that jar run with the same options, so a change's
# cost on the request path is a ratio measured in the same minutes as everything else.
#
# Needs root for Postgrey (it drops privileges); installs postgrey and a C compiler if missing.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
CONNS=${CONNS:-"1 8"}
PROFILES=${PROFILES:-"new mix known"}
DELAY=${DELAY:-1}          # short, so the mix profile's retries pass as legitimate retries do
THREADS=${THREADS:-2}      # load generator threads
PORT_GG=${PORT_GG:-10061}; PORT_PG=${PORT_PG:-10062}; PORT_TR=${PORT_TR:-10063}; PORT_CE=${PORT_CE:-10066}
PORT_BF=${PORT_BF:-10067}; PORT_GM=${PORT_GM:-10068}; PORT_BM=${PORT_BM:-10069}
BEFORE_JAR=${BEFORE_JAR:-}

for p in postgrey cc; do
  if ! command -v $p >/dev/null; then
    pkg=$p; [ $p = cc ] && pkg=gcc
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q $pkg >/dev/null
  fi
done
service postgrey stop >/dev/null 2>&1 || true
mvn -q -B -DskipTests -Dgreygate.deb.skip=true package

work=$(mktemp -d /tmp/greygate-compare.XXXXXX)
chmod 755 "$work"
cp target/greygate.jar "$work/greygate.jar"
export GREYGATE_JAR="$work/greygate.jar"
cc -O2 -o "$work/ceiling" bench/c/ceiling.c -lpthread
cc -O2 -o "$work/loadgen" bench/c/loadgen.c -lpthread
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 not listening" >&2; exit 1; }

: > "$work/empty"
mkdir -p "$work/pg" && chown postgrey "$work/pg"
postgrey --inet=127.0.0.1:$PORT_PG --dbdir="$work/pg" --user=postgrey --group=nogroup --delay=$DELAY \
  --whitelist-clients="$work/empty" --whitelist-recipients="$work/empty" >"$work/postgrey.log" 2>&1 &
pids+=($!)
bin/greygate serve --inet=127.0.0.1:$PORT_GG --metrics=127.0.0.1:$PORT_GM --dbdir="$work/gg" --delay=$DELAY -q \
  --whitelist-clients="$work/empty" --whitelist-recipients="$work/empty" >"$work/greygate.log" 2>&1 &
pids+=($!)
bin/greygate responder --inet=127.0.0.1:$PORT_TR >"$work/responder.log" 2>&1 &
pids+=($!)
if [ -n "$BEFORE_JAR" ]; then
  cp "$BEFORE_JAR" "$work/before.jar"
  GREYGATE_JAR="$work/before.jar" bin/greygate serve --inet=127.0.0.1:$PORT_BF --metrics=127.0.0.1:$PORT_BM --dbdir="$work/bf" \
    --delay=$DELAY -q --whitelist-clients="$work/empty" --whitelist-recipients="$work/empty" \
    >"$work/before.log" 2>&1 &
  pids+=($!)
fi
"$work/ceiling" $PORT_CE "$(nproc)" 2>"$work/ceiling.log" &
pids+=($!)
declare -A port=([greygate]=$PORT_GG [responder]=$PORT_TR [ceiling]=$PORT_CE [postgrey]=$PORT_PG [before]=$PORT_BF)
# the daemons' own counters: a fail-open answer is DUNNO, indistinguishable by its words
declare -A metrics=([greygate]="--metrics=$PORT_GM" [before]="--metrics=$PORT_BM")
servers="greygate responder ceiling postgrey"
[ -n "$BEFORE_JAR" ] && servers="greygate before responder ceiling postgrey"
for s in $servers; do wait_port "${port[$s]}"; done
results="$work/results"
: > "$results"
round=0
for profile in $PROFILES; do
  for c in $CONNS; do
    for r in $(seq "$RUNS"); do
      for s in $servers; do
        round=$((round + 1))
        # new and mix triplets are never reused between runs; known reuses its set (warm)
        offset=$((round * 1000000000))
        [ $profile = known ] && offset=0
        line=$(bin/greygate bench --target=127.0.0.1:${port[$s]} --connections=$c --threads=$THREADS \
          --duration=$DURATION --warmup=$WARMUP --profile=$profile --keyspace=1000000 \
          --key-offset=$offset --label=$s ${metrics[$s]:-})
        line=$(echo "$line" | head -1)
        echo "$line" >&2
        echo "$line" >> "$results"
      done
    done
  done
done
# the generator itself, against the ceiling: C closed loop vs greygate bench, 8 connections
for r in $(seq "$RUNS"); do
  "$work/loadgen" $PORT_CE 8 $DURATION $THREADS c-loadgen | sed 's/^c-loadgen /c-loadgen profile=fixed /' >> "$results"
  bin/greygate bench --target=127.0.0.1:$PORT_CE --connections=8 --threads=$THREADS --duration=$DURATION \
    --warmup=$WARMUP --profile=new --label=greygate-bench >> "$results"
done

echo
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r); $(java -version 2>&1 | head -1); postgrey $(dpkg-query -W -f='${Version}' postgrey)"
echo "runs=$RUNS duration=${DURATION}s warmup=${WARMUP}s delay=${DELAY}s generator-threads=$THREADS"
echo
python3 - "$results" "$CONNS" "$PROFILES" <<'PY'
import re, sys, statistics
rows = {}
for line in open(sys.argv[1]):
    f = dict(re.findall(r'(\w+)=([^ {]+)', line.split(' answers=')[0]))
    label = line.split()[0]
    rows.setdefault((label, f.get('profile'), int(f['connections'])), []).append(f)
med = lambda rs, k: statistics.median(float(r[k]) for r in rs)
for profile in sys.argv[3].split():
    print(f"profile **{profile}**\n")
    print("| connections | server | requests/s | of which fail-open | p50 µs | p99 µs |")
    print("|---:|---|---:|---:|---:|---:|")
    for c in [int(x) for x in sys.argv[2].split()]:
        rps = {}
        for s in ("greygate", "before", "responder", "ceiling", "postgrey"):
            rs = rows.get((s, profile, c))
            if not rs: continue
            rps[s] = med(rs, 'rps')
            fo = [r.get('fail_open', 'unknown') for r in rs]
            fo = "?" if any(not x.isdigit() for x in fo) else \
                f"{sum(int(x) for x in fo) / sum(int(r['requests']) for r in rs):.2%}"
            print(f"| {c} | {s} | {rps[s]:,.0f} | {fo} | {med(rs, 'p50_us'):,.0f} | {med(rs, 'p99_us'):,.0f} |")
        if 'greygate' in rps:
            parts = [f"{rps['greygate']/rps[s]:.2f} of the {s}" for s in ("ceiling", "responder") if s in rps]
            if 'before' in rps: parts.append(f"{rps['greygate']/rps['before']:.2f} of the build before")
            if 'postgrey' in rps: parts.append(f"{rps['greygate']/rps['postgrey']:.1f}× postgrey")
            print(f"| {c} | **greygate** | **{', '.join(parts)}** | | | |")
    print()
c = rows.get(('c-loadgen', 'fixed', 8)); j = rows.get(('greygate-bench', 'new', 8))
if c and j:
    print(f"generator against the ceiling, 8 connections: C {med(c,'rps'):,.0f} rps, greygate bench "
          f"{med(j,'rps'):,.0f} rps: **{med(j,'rps')/med(c,'rps'):.2f}** of the C generator")
PY
