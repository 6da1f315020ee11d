#!/usr/bin/env bash
# Crash test (docs/RELIABILITY.md): check-ins under load while the release server is killed with
# SIGKILL at random moments (200–1200 ms apart) and started again, 20 times by default. Requests
# left without an answer are sent again after the restart with the same Idempotency-Key. Prints
# acknowledged / found / lost / duplicated and PRAGMA integrity_check; exits 1 if anything is lost.
#
#     bash scripts/crash-test.sh [kills] [tuoguan-loadgen flags…]
#     DATABASE_URL=postgres://postgres@127.0.0.1:5432/crash bash scripts/crash-test.sh 20
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
kills="${1:-20}"
[ $# -gt 0 ] && shift
cargo build --release -q -p tuoguan -p tuoguan-loadgen
bin="${CARGO_TARGET_DIR:-$repo/target}/release"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
url="${DATABASE_URL:-sqlite://$dir/crash.db}"
"$bin/tuoguan-loadgen" --database-url "$url" --server-bin "$bin/tuoguan" \
  --classes 100 --children 20 --clients 32 --crash-kills "$kills" "$@"
