#!/usr/bin/env bash
# Type-checks every Grafana dashboard in grafana/dashboards against Grafana's own schema,
# offline once the tools are cached: each JSON file is compiled as
#   const dashboard: FacmonDashboard = <json>;
# (grafana/check/dashboard.ts: @grafana/schema's Dashboard, see there) with
# `tsc --strict --noEmit`. Errors are reported as grafana/dashboards/NAME.json:LINE:COL.
#
# Usage: scripts/check-dashboards.sh [DASHBOARD.json ...]   (default: every dashboard)
# Needs node and npm (Debian: apt-get install nodejs npm). The first run installs the pinned
# packages into target/dashboard-check (FACMON_DASHBOARD_CHECK_DIR to move it); later runs
# reuse them and need no network.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# Pinned, so that a new Grafana release cannot turn a green check red overnight: raise them
# on purpose, together with the dashboards' schemaVersion.
schema_version=13.2.3
typescript_version=7.0.2

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "check-dashboards: $tool is not installed: run scripts/test.sh (it installs it) or \`apt-get install nodejs npm\`" >&2
    exit 2
  fi
done

cache=${FACMON_DASHBOARD_CHECK_DIR:-$root/target/dashboard-check}
mkdir -p "$cache"
# Two checks at once (parallel test runs) must not install into the same folder together.
exec 9>"$cache/.lock"
flock 9

installed() { node -p "require('$cache/node_modules/$1/package.json').version" 2>/dev/null || true; }
if [ "$(installed @grafana/schema)" != "$schema_version" ] || [ "$(installed typescript)" != "$typescript_version" ]; then
  echo "check-dashboards: installing @grafana/schema@$schema_version and typescript@$typescript_version into $cache" >&2
  # A package.json of its own keeps npm from looking for a project further up.
  echo '{ "private": true }' >"$cache/package.json"
  (cd "$cache" && npm install --no-audit --no-fund --loglevel=error \
    "@grafana/schema@$schema_version" "typescript@$typescript_version" >&2)
fi

if [ $# -gt 0 ]; then
  dashboards=("$@")
else
  dashboards=("$root"/grafana/dashboards/*.json)
fi
[ -e "${dashboards[0]}" ] || { echo "check-dashboards: no dashboards in grafana/dashboards" >&2; exit 1; }

# Strict JSON first: TypeScript would accept comments, trailing commas and duplicate keys,
# which Grafana's JSON parser does not (or silently resolves).
node - "${dashboards[@]}" <<'JS'
const fs = require('fs');
let bad = 0;
for (const file of process.argv.slice(2)) {
  const text = fs.readFileSync(file, 'utf8');
  try {
    JSON.parse(text);
  } catch (e) {
    console.error(`${file}: not valid JSON: ${e.message}`);
    bad++;
    continue;
  }
  // Duplicate keys: JSON.parse keeps the last one silently.
  const seen = [];
  const re = /"((?:[^"\\]|\\.)*)"\s*:|[{}\[\]]/g;
  let m, line = 1, last = 0;
  while ((m = re.exec(text))) {
    line += (text.slice(last, m.index).match(/\n/g) || []).length;
    last = m.index;
    if (m[0] === '{' || m[0] === '[') seen.push(m[0] === '{' ? new Set() : null);
    else if (m[0] === '}' || m[0] === ']') seen.pop();
    else if (seen.length && seen[seen.length - 1]) {
      const keys = seen[seen.length - 1];
      if (keys.has(m[1])) { console.error(`${file}:${line}: duplicate key "${m[1]}"`); bad++; }
      keys.add(m[1]);
    }
  }
}
process.exit(bad ? 1 : 0);
JS

# One TypeScript file per dashboard: the JSON starts on line 2, so an error at line L of
# src/NAME.ts is at line L-1 of the dashboard.
rm -rf "$cache/src"
mkdir -p "$cache/src"
cp "$root/grafana/check/dashboard.ts" "$cache/dashboard.ts"
declare -A source_of
for file in "${dashboards[@]}"; do
  name=$(basename "$file" .json)
  {
    printf "import type { FacmonDashboard } from '../dashboard';\nexport const dashboard: FacmonDashboard = "
    cat "$file"
    printf ';\n'
  } >"$cache/src/$name.ts"
  source_of[$name]=${file#"$root"/}
done
cat >"$cache/tsconfig.json" <<'JSON'
{
  "compilerOptions": {
    "strict": true,
    "noEmit": true,
    "target": "es2022",
    "module": "esnext",
    "moduleResolution": "bundler",
    "skipLibCheck": true
  },
  "include": ["dashboard.ts", "src/*.ts"]
}
JSON

status=0
output=$(cd "$cache" && node_modules/.bin/tsc -p tsconfig.json --pretty false 2>&1) || status=$?
if [ $status -ne 0 ]; then
  map=""
  for name in "${!source_of[@]}"; do map+="$name=${source_of[$name]} "; done
  # src/NAME.ts(L,C): ... → grafana/dashboards/NAME.json:L-1:C: ...
  echo "$output" | awk -v map="$map" '
    BEGIN { n = split(map, pairs, " "); for (i = 1; i <= n; i++) { split(pairs[i], kv, "="); src[kv[1]] = kv[2] } }
    match($0, /^src\/[^(]+\.ts\([0-9]+,[0-9]+\)/) {
      head = substr($0, 1, RLENGTH); rest = substr($0, RLENGTH + 1)
      name = head; sub(/^src\//, "", name); sub(/\.ts\(.*/, "", name)
      pos = head; sub(/^[^(]*\(/, "", pos); sub(/\)$/, "", pos); split(pos, lc, ",")
      file = (name in src) ? src[name] : "src/" name ".ts"
      print file ":" (lc[1] - 1) ":" lc[2] rest; next
    }
    { print }' >&2
  echo "check-dashboards: FAILED: the dashboards above do not match Grafana's schema (@grafana/schema $schema_version)" >&2
  exit 1
fi
echo "check-dashboards: ${#dashboards[@]} dashboards match Grafana's schema (@grafana/schema $schema_version, tsc $typescript_version --strict)"
