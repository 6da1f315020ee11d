#!/usr/bin/env bash
# Roster import: a 5,000-row CSV (every row valid) imported into one class through
# POST /api/v1/classes/{id}/roster/import, timed end to end (upload, parse, validate every row,
# seal ID numbers and health notes, write in one transaction), on SQLite by default or on the
# PostgreSQL of DATABASE_URL. A class holds at most 500 children, so the benchmark raises the test
# class's capacity in the database first; the import itself runs unchanged.
#
#     bash scripts/bench-import.sh [rows] [debug|release]      # default 5000 release
#     DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench bash scripts/bench-import.sh
#
# Results: docs/PERFORMANCE.md.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
rows="${1:-5000}"
profile="${2:-release}"
if [ "$profile" = release ]; then cargo build --release -q -p tuoguan; else cargo build -q -p tuoguan; fi
bin="$repo/target/$profile/tuoguan"
dir="$(mktemp -d)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export DATABASE_URL="${DATABASE_URL:-sqlite://$dir/bench.db}"
export TUOGUAN_DATA_KEY="${TUOGUAN_DATA_KEY:-$(python3 -c 'import secrets; print(secrets.token_hex(32))')}"
"$bin" demo >/dev/null
"$bin" serve --bind "127.0.0.1:$port" >"$dir/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.1; done
python3 bench/roster.py "$rows" >"$dir/roster.csv"
token=$(curl -fs -X POST "$base/api/v1/auth/token" -H 'content-type: application/json' \
  -d '{"username":"hospital_admin","password":"Tuoguan#2026"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
programme=$(curl -fs "$base/api/v1/programmes" -H "authorization: Bearer $token" | python3 -c 'import sys,json; print(json.load(sys.stdin)[0]["id"])')
class=$(curl -fs -X POST "$base/api/v1/classes" -H "authorization: Bearer $token" -H 'content-type: application/json' -d "{
  \"programme_id\":\"$programme\",\"name\":\"导入基准班\",\"address\":\"x\",\"start_date\":\"2026-07-06\",\"end_date\":\"2026-08-14\",
  \"daily_start\":\"08:00\",\"daily_end\":\"17:30\",\"capacity\":500,\"model\":\"in_unit\",\"management\":\"union_staff\",
  \"food\":{\"mode\":\"no_meals\"}}" | python3 -c 'import sys,json; print(json.load(sys.stdin)["id"])')
sql="UPDATE classes SET capacity = $rows WHERE id = '$class'"
case "$DATABASE_URL" in
  sqlite://*) python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()" "${DATABASE_URL#sqlite://}" "$sql" ;;
  *) psql "$DATABASE_URL" -qc "$sql" ;;
esac
echo "== importing $rows rows ($(du -h "$dir/roster.csv" | cut -f1)) into one class, $profile build, ${DATABASE_URL%%:*}"
curl -s -o "$dir/report.json" -w 'HTTP %{http_code} in %{time_total} s\n' -X POST \
  "$base/api/v1/classes/$class/roster/import" -H "authorization: Bearer $token" \
  -F consent_attested=true -F "file=@$dir/roster.csv;filename=roster.csv"
cat "$dir/report.json"; echo
echo "== the same file again (every row already in the class)"
curl -s -o "$dir/report2.json" -w 'HTTP %{http_code} in %{time_total} s\n' -X POST \
  "$base/api/v1/classes/$class/roster/import" -H "authorization: Bearer $token" \
  -F consent_attested=true -F "file=@$dir/roster.csv;filename=roster.csv"
cat "$dir/report2.json"; echo
