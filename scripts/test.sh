#!/usr/bin/env bash
# Runs facmon's whole test suite on a fresh Debian machine with Rust.
# Installs what the integration tests need with apt when missing (mosquitto, socat, mbpoll,
# InfluxDB 1.x, VictoriaMetrics, Node.js with npm for the dashboard check, Chromium and
# playwright-core for the console's browser test,
# Python's aiosmtpd for the e-mail channel), checks
# formatting and clippy lints, then runs every test of the workspace with cargo-nextest
# (or cargo test without it).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }
have mosquitto || missing+=(mosquitto)
have socat || missing+=(socat)
have mbpoll || missing+=(mbpoll)
have influxd || missing+=(influxdb)
# Debian's package installs `victoria-metrics`; upstream's release binary is `-prod`.
have victoria-metrics || have victoria-metrics-prod || missing+=(victoria-metrics)
have node || missing+=(nodejs)
have npm || missing+=(npm)
# The web console's browser test (tests/it/console.rs) drives Debian's Chromium.
[ -x /usr/bin/chromium ] || missing+=(chromium)
# The e-mail channel's test server (tests/it/support/smtp.rs) runs on Debian's python3.
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || missing+=(python3-aiosmtpd)
if [ ${#missing[@]} -gt 0 ]; then
  echo "scripts/test.sh: installing ${missing[*]} with apt"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  # The packages' services must not start (they would hold 1883, 8086, 8088, 8428); the tests
  # start their own servers on free ports. A policy-rc.d that was already there stays.
  own_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    echo exit 101 | $SUDO tee /usr/sbin/policy-rc.d >/dev/null; $SUDO chmod +x /usr/sbin/policy-rc.d
    own_policy=1
  fi
  status=0
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" || status=$?
  [ -z "$own_policy" ] || $SUDO rm -f /usr/sbin/policy-rc.d
  [ "$status" -eq 0 ] || exit "$status"
fi
export PATH="$PATH:/usr/sbin"

# playwright-core for the console's browser test, pinned (raise it on purpose) and kept in
# target/browser-test like scripts/check-dashboards.sh keeps its tools; it drives the
# Chromium above and downloads no browser of its own.
playwright_version=1.65.1
browser_test=target/browser-test
if [ "$(node -p "require('./$browser_test/node_modules/playwright-core/package.json').version" 2>/dev/null || true)" != "$playwright_version" ]; then
  echo "scripts/test.sh: installing playwright-core@$playwright_version into $browser_test"
  mkdir -p "$browser_test"
  echo '{ "private": true }' >"$browser_test/package.json"
  (cd "$browser_test" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error \
    "playwright-core@$playwright_version")
fi

# Style and lints first: cheap, and a failure here names the file and line.
if cargo fmt --version >/dev/null 2>&1; then cargo fmt --all --check; fi
if cargo clippy --version >/dev/null 2>&1; then cargo clippy --workspace --all-targets --quiet -- -D warnings; fi

if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast "$@"
else
  cargo test --workspace --no-fail-fast "$@"
fi
