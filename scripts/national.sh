#!/usr/bin/env bash
# National scale (issue 6): tuoguan-loadgen generates a country-sized dataset into a fresh
# database — a national federation, 31 provinces, 300 cities, 3,000 districts, 30,000 grassroots
# units each with a running summer class, 1,000,000 children with a guardian each, 20 operating
# days of attendance (20 million rows), a patrol log a day, incidents at about one class in a
# hundred — then starts the release server on it and measures the pages and exports people open
# (national, province and city dashboards, the city's report export, a class's roll, metrics,
# sign-in sheet and 50-child roster export) from 32 clients, then roster uploads of nearly 8 MiB
# and 10 MiB document downloads from every client at once (`--file-rounds`), then 20 s of
# check-ins on the days left without attendance, and prints p50/p99 per request and the server's
# peak memory. The backup drill runs on a kept country too (scripts/backup-drill.sh).
#
#     bash scripts/national.sh [sqlite|postgres] [scale] [tuoguan-loadgen flags…]
#     bash scripts/national.sh sqlite national
#     bash scripts/national.sh postgres province --json /tmp/province.json
#     KEEP=/data/national bash scripts/national.sh sqlite    # keep the database for another run
#
# scale: national (default), province (1,000 units, 33,000 children), small, or
# P,C,D,U,CHILDREN[,DAYS]. The SQLite database takes about 8 GB at national size; postgres creates
# a database tuoguan_national_<random> on PG_URL and drops it afterwards.
# Method and results: docs/PERFORMANCE.md ("National scale").
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
backend="${1:-sqlite}"
[ $# -gt 0 ] && shift
scale="${1:-national}"
[ $# -gt 0 ] && shift
cargo build --release -q -p tuoguan -p tuoguan-loadgen
bin="${CARGO_TARGET_DIR:-$repo/target}/release"
dir="${KEEP:-$(mktemp -d)}"
mkdir -p "$dir"
db=""
pg="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
cleanup() {
  if [ -n "$db" ] && [ -z "${KEEP:-}" ]; then psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true; fi
  [ -n "${KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT
case "$backend" in
  sqlite) url="sqlite://$dir/bench.db" ;;
  postgres)
    db="tuoguan_national_$(python3 -c 'import secrets; print(secrets.token_hex(4))')"
    psql "$pg/postgres" -qc "CREATE DATABASE $db"
    url="$pg/$db"
    ;;
  *) echo "usage: $0 [sqlite|postgres] [scale] [tuoguan-loadgen flags…]" >&2; exit 2 ;;
esac
gen="$bin/tuoguan-loadgen --database-url $url --manifest $dir/manifest.json"
$gen --generate "$scale"
rc=0
$gen --read-bench --server-bin "$bin/tuoguan" --server-log "$dir/serve.log" \
  --clients 32 --seconds 20 "$@" || rc=$?
if [ "$rc" -ne 0 ]; then
  echo "== tuoguan-loadgen exited $rc; the server's last log lines:" >&2
  tail -n 20 "$dir/serve.log" >&2 || true
fi
exit "$rc"
