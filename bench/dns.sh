#!/usr/bin/env bash
# What the DNS features cost (docs/performance.md, "DNS features"), in one run:
#   warm   greygate with --spf-grouping, a --dnswl and a --dnsbl and a --domain-policy file,
#          asking a local dnsmasq (answers cached after the warm-up), against the same greygate
#          without them, Postgrey and greygate's responder; 20,000 triplets, most seen before.
#          Each cell the median of RUNS runs.
#   cold   the same featured greygate, started afresh, asking a resolver that answers 50 ms late
#          (bench/slowdns.py in front of dnsmasq), every request a client never seen: each one
#          waits for its DNS; the p99 must stay within --dns-timeout + 5 ms.
#
#   bench/dns.sh                        # RUNS=3, 8 connections, 10 s per cell
#
# Needs root for Postgrey (it drops privileges); installs postgrey, dnsmasq, python3 if missing.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
CONNS=${CONNS:-8}
THREADS=${THREADS:-2}
BUDGET=${BUDGET:-200}
SLOW_MS=${SLOW_MS:-50}
PORT_PL=${PORT_PL:-10091}; PORT_DN=${PORT_DN:-10092}; PORT_PG=${PORT_PG:-10093}; PORT_TR=${PORT_TR:-10094}
PORT_CO=${PORT_CO:-10095}; PORT_DNS=${PORT_DNS:-15391}; PORT_SLOW=${PORT_SLOW:-15392}

for p in postgrey dnsmasq python3; do
  command -v $p >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -q $p >/dev/null; }
done
service postgrey stop >/dev/null 2>&1 || true
systemctl stop dnsmasq >/dev/null 2>&1 || true
mvn -q -B -DskipTests -Dgreygate.deb.skip=true package

work=$(mktemp -d /tmp/greygate-dns.XXXXXX)
chmod 755 "$work"
cp target/greygate.jar "$work/greygate.jar"
export GREYGATE_JAR="$work/greygate.jar"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 not listening" >&2; exit 1; }

# The load's sender domains (sender0..996.example) publish SPF through an include, as big senders
# do; the lists list nobody (every client is looked up, none is waved through).
{
  echo "port=$PORT_DNS"; echo "listen-address=127.0.0.1"; echo "bind-interfaces"
  echo "no-resolv"; echo "no-hosts"; echo "user=root"; echo "local-ttl=300"
  echo "local=/example/"; echo "local=/bench/"
  echo "txt-record=_spf.pool.bench,\"v=spf1 ip4:10.0.0.0/8 -all\""
  for i in $(seq 0 996); do echo "txt-record=sender$i.example,\"v=spf1 include:_spf.pool.bench -all\""; done
} > "$work/dnsmasq.conf"
dnsmasq --keep-in-foreground --conf-file="$work/dnsmasq.conf" >"$work/dnsmasq.log" 2>&1 &
pids+=($!)
python3 bench/slowdns.py $PORT_SLOW $PORT_DNS $SLOW_MS >"$work/slowdns.log" 2>&1 &
pids+=($!)
cat > "$work/domains" <<POLICY
rcpt.example   delay=300 never-awl=192.0.2.0/24
login.bench    greylist=off
*              allow-sender=@partner.bench
POLICY
: > "$work/empty"
common=(-q --delay=300 --whitelist-clients="$work/empty" --whitelist-recipients="$work/empty")
features=(--spf-grouping --dnswl=wl.bench --dnsbl=bl.bench --domain-policy="$work/domains" --dns-timeout=$BUDGET)

mkdir -p "$work/pg" && chown postgrey "$work/pg"
postgrey --inet=127.0.0.1:$PORT_PG --dbdir="$work/pg" --user=postgrey --group=nogroup --delay=300 \
  --whitelist-clients="$work/empty" --whitelist-recipients="$work/empty" >"$work/postgrey.log" 2>&1 &
pids+=($!)
bin/greygate serve --inet=127.0.0.1:$PORT_PL --dbdir="$work/pl" "${common[@]}" >"$work/pl.log" 2>&1 &
pids+=($!)
bin/greygate serve --inet=127.0.0.1:$PORT_DN --dbdir="$work/dn" "${common[@]}" "${features[@]}" \
  --dns-server=127.0.0.1:$PORT_DNS >"$work/dn.log" 2>&1 &
pids+=($!)
bin/greygate responder --inet=127.0.0.1:$PORT_TR >"$work/responder.log" 2>&1 &
pids+=($!)
for p in $PORT_PL $PORT_DN $PORT_PG $PORT_TR; do wait_port $p; done

declare -A port=([greygate-dns]=$PORT_DN [greygate-plain]=$PORT_PL [postgrey]=$PORT_PG [responder]=$PORT_TR)
servers="greygate-dns greygate-plain postgrey responder"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "| run | server | requests/s | p50 µs | p99 µs |"
echo "|---|---|---|---|---|"
# one unmeasured pass each first: the JIT, and the featured server's DNS caches, warm up
for s in greygate-dns greygate-plain; do
  bin/greygate bench --target=127.0.0.1:${port[$s]} --connections=$CONNS --duration=10 --warmup=0 \
    --threads=$THREADS --keyspace=20000 --label=prewarm >/dev/null
done
for s in $servers; do : > "$work/$s"; done
for r in $(seq "$RUNS"); do
  for s in $servers; do
    bin/greygate bench --target=127.0.0.1:${port[$s]} --connections=$CONNS --duration=$DURATION \
      --warmup=$WARMUP --threads=$THREADS --keyspace=20000 --label=$s >> "$work/$s"
  done
done
for s in $servers; do
  rps=$(grep -o 'rps=[0-9]*' "$work/$s" | cut -d= -f2 | median)
  p50=$(grep -o 'p50_us=[0-9]*' "$work/$s" | cut -d= -f2 | median)
  p99=$(grep -o 'p99_us=[0-9]*' "$work/$s" | cut -d= -f2 | median)
  echo "| warm | $s | $rps | $p50 | $p99 |"
done

bin/greygate serve --inet=127.0.0.1:$PORT_CO --dbdir="$work/co" "${common[@]}" "${features[@]}" \
  --dns-server=127.0.0.1:$PORT_SLOW >"$work/co.log" 2>&1 &
pids+=($!)
wait_port $PORT_CO
bin/greygate bench --target=127.0.0.1:$PORT_CO --connections=$CONNS --duration=$DURATION --warmup=2 \
  --threads=$THREADS --keyspace=10000000 --key-offset=50000000 --label=cold > "$work/cold"
rps=$(grep -o 'rps=[0-9]*' "$work/cold" | cut -d= -f2)
p50=$(grep -o 'p50_us=[0-9]*' "$work/cold" | cut -d= -f2)
p99=$(grep -o 'p99_us=[0-9]*' "$work/cold" | cut -d= -f2)
echo "| cold, ${SLOW_MS} ms resolver | greygate-dns | $rps | $p50 | $p99 |"
echo
echo "cold run: p99 ${p99} µs against a budget of ${BUDGET} ms + 5 ms = $(( (BUDGET + 5) * 1000 )) µs"
grep -h "no result within\|no answers within" "$work/co.log" | head -3 || true
