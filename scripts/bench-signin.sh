#!/usr/bin/env bash
# Sign-in burst: 50 concurrent clients keep signing in (POST /api/v1/auth/token, production argon2
# parameters) against a release build on SQLite, while one more client measures /healthz latency
# to show hashing does not stall other requests. Loopback only; bounded duration.
#
#     bash scripts/bench-signin.sh [seconds]          # default 15
#
# Needs Debian's wrk (apt-get install wrk). Results: docs/PERFORMANCE.md.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
secs="${1:-15}"
command -v wrk >/dev/null || { echo "install wrk: apt-get install wrk" >&2; exit 1; }
cargo build --release -q -p tuoguan
bin="$repo/target/release/tuoguan"
dir="$(mktemp -d)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export DATABASE_URL="sqlite://$dir/bench.db"
"$bin" demo >/dev/null
"$bin" serve --bind "127.0.0.1:$port" >"$dir/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$port"
echo "== idle /healthz (1 client, 3 s)"
wrk -t1 -c1 -d3s --latency "$base/healthz" | grep -E "50%|99%|Requests/sec"
echo "== sign-in burst: 50 concurrent clients for ${secs}s, with /healthz measured alongside"
wrk -t1 -c1 -d"${secs}s" --latency "$base/healthz" >"$dir/health.txt" &
hp=$!
wrk -t2 -c50 -d"${secs}s" --latency -s bench/signin.lua "$base/api/v1/auth/token"
wait $hp
echo "== /healthz during the burst"
grep -E "50%|99%|Requests/sec" "$dir/health.txt"
echo "== resident memory of the server after the burst: $(ps -o rss= -p $pid | awk '{printf "%.0f MB", $1/1024}')"
