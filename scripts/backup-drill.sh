#!/usr/bin/env bash
# Backup drill (docs/RELIABILITY.md): `tuoguan backup` in the middle of 20 s of check-ins, a
# restore into a fresh database (SQLite: the file; PostgreSQL: pg_restore into a new database,
# dropped afterwards), the server's migrations on it, and a recount: every check-in acknowledged
# before the backup began must be in the copy, one applied check-in per checked-in child-day.
#
#     bash scripts/backup-drill.sh [tuoguan-loadgen flags…]
#     DATABASE_URL=postgres://postgres@127.0.0.1:5432/EMPTY_DB bash scripts/backup-drill.sh
#
# At national size, on a country kept by `KEEP=DIR bash scripts/national.sh`: the generated
# sample classes check in on the days the generator left free, and the copy is checked with
# PRAGMA quick_check (integrity_check would read a 7 GB file's indexes for minutes):
#     DATABASE_URL=sqlite://DIR/bench.db bash scripts/backup-drill.sh --manifest DIR/manifest.json --seconds 60
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
cargo build --release -q -p tuoguan -p tuoguan-loadgen
bin="${CARGO_TARGET_DIR:-$repo/target}/release"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
url="${DATABASE_URL:-sqlite://$dir/drill.db}"
"$bin/tuoguan-loadgen" --database-url "$url" --server-bin "$bin/tuoguan" \
  --classes 100 --children 20 --clients 32 --seconds 20 --backup-drill "$@"
