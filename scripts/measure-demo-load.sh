#!/usr/bin/env bash
# Measures the facmon daemon's own CPU and memory while it polls the simulated demo building
# (facmon-sim: 7 Modbus TCP units, 2 RTU units on a pty, 3 MQTT devices; 60 points at 1 s).
# Usage: scripts/measure-demo-load.sh [SECONDS]   (default 60). Prints one summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
cargo build --release -q -p facmon -p facmon-sim
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mqtt=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
target/release/facmon-sim --modbus-tcp 127.0.0.1:$port --modbus-rtu pty --pty-link "$work/rtu" \
  --embedded-broker 127.0.0.1:$mqtt >"$work/sim.log" 2>&1 &
sim=$!
trap 'kill $sim $daemon 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -e "$work/rtu" ] && break; sleep 0.1; done
sed -e "s/port = 5020/port = $port/" -e "s#/tmp/facmon-demo-rtu#$work/rtu#" \
  -e "s#mqtt://127.0.0.1:1883#mqtt://127.0.0.1:$mqtt#" config/demo.toml >"$work/site.toml"
FACMON_LOG=warn target/release/facmon run --config "$work/site.toml" >"$work/daemon.log" 2>&1 &
daemon=$!
sleep 5 # let every device connect before the steady-state window opens
tck=$(getconf CLK_TCK)
cpu() { awk '{print $14+$15}' "/proc/$daemon/stat"; }
c0=$(cpu); sleep "$secs"; c1=$(cpu)
rss=$(awk '/VmRSS/{print $2}' "/proc/$daemon/status"); hwm=$(awk '/VmHWM/{print $2}' "/proc/$daemon/status")
python3 - "$c0" "$c1" "$tck" "$secs" "$rss" "$hwm" <<'PY'
import sys
c0, c1, tck, secs, rss, hwm = map(float, sys.argv[1:])
print(f"facmon over {secs:.0f} s: CPU {100*(c1-c0)/tck/secs:.2f} % of one core, RSS {rss/1024:.1f} MiB (peak {hwm/1024:.1f} MiB)")
PY
# The numbers only count if the daemon saw the whole plant: no device may have been lost.
if grep -q "device lost" "$work/daemon.log"; then
  echo "INVALID: the daemon lost devices during the run:"; grep "device lost" "$work/daemon.log" | head; exit 1
fi
echo "all 10 devices online throughout (no 'device lost' in the daemon log)"
