#!/usr/bin/env bash
# Issue 17's targets (sampling, model-class criteria, certificates): tuoguan-loadgen generates a
# country (as scripts/national.sh) into a fresh database, starts the release server on it and runs
# `--evaluation-bench`: the inspection sample of a province drawn by its federation, one draw at a
# time on several provinces (target < 1 s); one city's classes closed and each given a model-class
# application in SQL, then the city's overview with every criterion of every application, one
# request at a time and from 32 clients (target < 1 s); one application named under a city notice,
# then its certificate PDF, one at a time and from 32 clients for 20 s (target < 1 s), and the
# server's peak memory (target < 300 MB). What it writes is taken back at the end.
#
#     bash scripts/bench-evaluation.sh [sqlite|postgres] [scale] [tuoguan-loadgen flags…]
#     bash scripts/bench-evaluation.sh sqlite national
#     bash scripts/bench-evaluation.sh postgres province --json /tmp/evaluation.json
#     KEEP=/data/country bash scripts/bench-evaluation.sh sqlite   # keep the country for another run
#
# With KEEP, a directory that already holds a generated country (its manifest.json and, for
# PostgreSQL, database_url) is measured again without generating. scale: as scripts/national.sh
# (national, province, small or P,C,D,U,CHILDREN[,DAYS]). The certificate needs Debian's
# fonts-noto-cjk (or TUOGUAN_CERTIFICATE_FONTS). Results: docs/PERFORMANCE.md ("2026-12-07 V").
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
      db="tuoguan_evaluation_$(python3 -c 'import secrets; print(secrets.token_hex(4))')"
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
$gen --evaluation-bench --server-bin "$bin/tuoguan" --server-log "$dir/serve.log" \
  --clients 32 --seconds 20 --draws 5 "$@" || rc=$?
if [ "$rc" -ne 0 ]; then
  echo "== tuoguan-loadgen exited $rc; the server's last log lines:" >&2
  tail -n 20 "$dir/serve.log" >&2 || true
fi
exit "$rc"
