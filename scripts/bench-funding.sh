#!/usr/bin/env bash
# Issue 18's targets (subsidy qualification, the ledger export): tuoguan-loadgen generates a
# country (as scripts/national.sh; every class with a budget and a ledger of 6–11 entries) into a
# fresh database, starts the release server on it and runs `--funding-bench`: first the national
# federation downloads the whole programme's ledger workbook (.xlsx), counted as it arrives, while
# the server's memory is sampled (target < 300 MB); then it writes two subsidy rules (gates read
# from the records and 10,000 yuan a class, one without a pool, one with a pool paying half the
# province's classes), the province's federation lists which of its classes qualify under each,
# with the evidence, `--runs` times one at a time (target < 2 s), and the national federation
# reads the whole country's three times. The rules are taken back at the end.
#
#     bash scripts/bench-funding.sh [sqlite|postgres] [scale] [tuoguan-loadgen flags…]
#     bash scripts/bench-funding.sh sqlite national
#     bash scripts/bench-funding.sh postgres province --json /tmp/funding.json
#     KEEP=/data/country bash scripts/bench-funding.sh sqlite   # keep the country for another run
#
# With KEEP, a directory that already holds a generated country (its manifest.json and, for
# PostgreSQL, database_url) is measured again without generating; a country generated before
# issue 18 has no ledger and must be generated again. scale: as scripts/national.sh (national,
# province, small or P,C,D,U,CHILDREN[,DAYS]). Results: docs/PERFORMANCE.md ("2026-12-07 VI").
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
reuse=""
if [ -n "${KEEP:-}" ] && [ -f "$dir/manifest.json" ]; then
  case "$backend" in
    sqlite) [ -f "$dir/bench.db" ] && reuse=1 ;;
    postgres) [ -f "$dir/database_url" ] && reuse=1 ;;
  esac
fi
case "$backend" in
  sqlite) url="sqlite://$dir/bench.db" ;;
  postgres)
    if [ -n "$reuse" ]; then
      url="$(cat "$dir/database_url")"
    else
      db="tuoguan_funding_$(python3 -c 'import secrets; print(secrets.token_hex(4))')"
      psql "$pg/postgres" -qc "CREATE DATABASE $db"
      url="$pg/$db"
      echo "$url" > "$dir/database_url"
    fi
    ;;
  *) echo "usage: $0 [sqlite|postgres] [scale] [tuoguan-loadgen flags…]" >&2; exit 2 ;;
esac
gen="$bin/tuoguan-loadgen --database-url $url --manifest $dir/manifest.json"
if [ -n "$reuse" ]; then
  echo "== measuring the country kept in $dir again" >&2
else
  $gen --generate "$scale"
fi
rc=0
$gen --funding-bench --server-bin "$bin/tuoguan" --server-log "$dir/serve.log" \
  --runs 10 --exports 1 "$@" || rc=$?
if [ "$rc" -ne 0 ]; then
  echo "== tuoguan-loadgen exited $rc; the server's last log lines:" >&2
  tail -n 20 "$dir/serve.log" >&2 || true
fi
exit "$rc"
