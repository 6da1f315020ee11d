#!/usr/bin/env bash
# Check-in load (issue 5): tuoguan-loadgen seeds a fresh database (one federation, 200 grassroots
# units each with a running class of 30 enrolled children and a class-staff user), starts the
# release server on it, measures the raw limit — single-row durable commits per second with the
# server's own settings (SQLite: WAL, synchronous=FULL, a file in the same directory; PostgreSQL:
# a scratch table in the same database), sequential and from 64 tasks — then drives
# POST /api/v1/classes/{id}/attendance from 64 clients with bearer tokens and Idempotency-Keys,
# replays 2% of the requests, and checks every acknowledged check-in is in the table.
# Loopback only; bounded duration (5 + 5 + 20 s by default).
#
#     bash scripts/bench-checkin.sh [sqlite|postgres] [tuoguan-loadgen flags…]
#     bash scripts/bench-checkin.sh sqlite --seconds 30 --json /tmp/checkin.json
#     PG_URL=postgres://postgres@127.0.0.1:5432 bash scripts/bench-checkin.sh postgres
#
# postgres creates a database tuoguan_bench_<random> on PG_URL and drops it afterwards.
# Method and results: crates/loadgen/README.md, docs/PERFORMANCE.md.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
backend="${1:-sqlite}"
[ $# -gt 0 ] && shift
cargo build --release -q -p tuoguan -p tuoguan-loadgen
bin="${CARGO_TARGET_DIR:-$repo/target}/release"
dir="$(mktemp -d)"
db=""
pg="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
cleanup() {
  if [ -n "$db" ]; then psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
case "$backend" in
  sqlite) url="sqlite://$dir/bench.db" ;;
  postgres)
    db="tuoguan_bench_$(python3 -c 'import secrets; print(secrets.token_hex(4))')"
    psql "$pg/postgres" -qc "CREATE DATABASE $db"
    url="$pg/$db"
    ;;
  *) echo "usage: $0 [sqlite|postgres] [tuoguan-loadgen flags…]" >&2; exit 2 ;;
esac
rc=0
"$bin/tuoguan-loadgen" --database-url "$url" --server-bin "$bin/tuoguan" \
  --server-log "$dir/serve.log" "$@" || rc=$?
if [ "$rc" -ne 0 ]; then
  echo "== tuoguan-loadgen exited $rc; the server's last log lines:" >&2
  tail -n 20 "$dir/serve.log" >&2 || true
fi
exit "$rc"
