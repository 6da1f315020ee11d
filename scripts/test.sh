#!/usr/bin/env bash
# Runs the whole test suite. The one command, locally and in CI:
#
#     bash scripts/test.sh [extra cargo-nextest args...]
#
# On a fresh Debian 12 machine with the Rust toolchain it installs what the
# tests need (only what is missing), finds or starts a PostgreSQL server,
# then runs `cargo nextest run --workspace --no-fail-fast`.
# See docs/TESTING.md.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'test.sh: error: %s\n' "$*" >&2; exit 1; }

# Seconds since $1 (an $EPOCHREALTIME value), one decimal.
elapsed() {
    local start=$1 now=$EPOCHREALTIME
    awk -v a="$start" -v b="$now" 'BEGIN { printf "%.1fs", b - a }'
}

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
    SUDO=(sudo)
fi

# ---------------------------------------------------------------------------
# Phase 1: install what the tests need, only if missing.
# ---------------------------------------------------------------------------
t_install=$EPOCHREALTIME

deb_installed() {
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

newest_pg_bindir() {
    local d
    d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    [[ -n "$d" && -x "$d/initdb" && -x "$d/pg_ctl" ]] && printf '%s\n' "$d"
    return 0
}

# Does 127.0.0.1:5432 accept user postgres without a password?
shared_pg_ok() {
    command -v pg_isready >/dev/null 2>&1 && command -v psql >/dev/null 2>&1 || return 1
    pg_isready -q -h 127.0.0.1 -p 5432 -t 3 >/dev/null 2>&1 || return 1
    PGCONNECT_TIMEOUT=5 psql -w -X -q -h 127.0.0.1 -p 5432 -U postgres -d postgres \
        -c 'select 1' </dev/null >/dev/null 2>&1
}

want_private_pg() { [[ "${TUOGUAN_FORCE_PRIVATE_PG:-0}" == "1" ]]; }

missing=()
for pkg in chromium chromium-driver fonts-noto-cjk poppler-utils; do
    deb_installed "$pkg" || missing+=("$pkg")
done
if [[ -z "${TUOGUAN_TEST_PG_URL:-}" && -z "$(newest_pg_bindir)" ]]; then
    if want_private_pg || ! shared_pg_ok; then
        missing+=(postgresql)
    fi
fi

if ((${#missing[@]})); then
    log "installing Debian packages: ${missing[*]}"
    if ((${#SUDO[@]})) && ! command -v sudo >/dev/null 2>&1; then
        die "not root and sudo is missing; install as root: apt-get install ${missing[*]}"
    fi
    apt_log="$(mktemp /tmp/tuoguan-apt.XXXXXX.log)"
    export DEBIAN_FRONTEND=noninteractive
    if ! { "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
           "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
               --no-install-recommends -o Dpkg::Use-Pty=0 "${missing[@]}"; } \
           >"$apt_log" 2>&1; then
        tail -n 40 "$apt_log" >&2
        die "apt-get failed (full log: $apt_log)"
    fi
    rm -f "$apt_log"
fi

[[ -x /usr/bin/chromium ]] || die "/usr/bin/chromium missing after install"
[[ -x /usr/bin/chromedriver ]] || die "/usr/bin/chromedriver missing after install"

if ! cargo nextest --version >/dev/null 2>&1; then
    log "installing cargo-nextest"
    cargo install cargo-nextest --locked --quiet
fi

# schemathesis (PyPI), the outside fuzzer of tests/it/schemathesis.rs, in a virtualenv of its own
# under target/ so that neither the system's Python nor PEP 668 is in the way; one pinned version.
ST_VERSION=4.32.5
st_venv="$repo/target/schemathesis-$ST_VERSION"
if [[ ! -x "$st_venv/bin/st" ]]; then
    log "installing schemathesis $ST_VERSION into $st_venv"
    if ! python3 -m venv "$st_venv" >/dev/null 2>&1; then
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends -o Dpkg::Use-Pty=0 python3-venv >/dev/null 2>&1 ||
            { "${SUDO[@]}" apt-get update -qq >/dev/null 2>&1 &&
              "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
                  --no-install-recommends -o Dpkg::Use-Pty=0 python3-venv >/dev/null 2>&1; } ||
            die "cannot install python3-venv for schemathesis"
        rm -rf "$st_venv"
        python3 -m venv "$st_venv" || die "python3 -m venv failed"
    fi
    "$st_venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$ST_VERSION" ||
        die "pip could not install schemathesis $ST_VERSION"
fi
export PATH="$st_venv/bin:$PATH"
d_install="$(elapsed "$t_install")"
log "install: $d_install${missing[*]:+ (installed: ${missing[*]})}"

# ---------------------------------------------------------------------------
# Phase 2: find or start PostgreSQL.
# ---------------------------------------------------------------------------
t_pg=$EPOCHREALTIME
pg_base=""
pg_bindir=""

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -n "$pg_base" && -d "$pg_base" ]]; then
        if [[ -f "$pg_base/data/postmaster.pid" ]]; then
            pg_run "$pg_bindir/pg_ctl" -D "$pg_base/data" stop -m immediate -w \
                >/dev/null 2>&1 || true
        fi
        rm -rf "$pg_base" || true
    fi
    exit "$rc"
}

# Run a PostgreSQL server binary; initdb and postgres refuse to run as root,
# so as root they run as the postgres OS user (from a directory it can read).
pg_run() {
    if [[ "$(id -u)" -eq 0 ]]; then
        local runuser
        runuser="$(command -v runuser || echo /usr/sbin/runuser)"
        (cd "$pg_base" && "$runuser" -u postgres -- "$@")
    else
        "$@"
    fi
}

port_free() {
    # A refused connection means nobody listens there.
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start_private_pg() {
    pg_bindir="$(newest_pg_bindir)"
    [[ -n "$pg_bindir" ]] || die "no /usr/lib/postgresql/*/bin/initdb found"
    if [[ "$(id -u)" -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    fi

    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    pg_base="$(mktemp -d "${TMPDIR:-/tmp}/tuoguan-pg.XXXXXX")"
    if [[ "$(id -u)" -eq 0 ]]; then
        chown postgres: "$pg_base"
    fi

    if ! pg_run "$pg_bindir/initdb" -D "$pg_base/data" -U postgres -A trust -E UTF8 --no-sync \
            --locale=C.UTF-8 >"$pg_base/initdb.log" 2>&1; then
        cat "$pg_base/initdb.log" >&2
        die "initdb failed"
    fi

    local port
    for port in $(seq 55432 55532); do
        port_free "$port" || continue
        if pg_run "$pg_bindir/pg_ctl" -D "$pg_base/data" -l "$pg_base/log" -w -t 60 \
                -o "-p $port -k $pg_base -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
                start >/dev/null 2>&1; then
            export TUOGUAN_TEST_PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
            log "started private PostgreSQL ($("$pg_bindir/postgres" --version | awk '{print $3}')) in $pg_base on port $port"
            return 0
        fi
        # Lost a race for the port (or another failure): show why, try the next.
        tail -n 5 "$pg_base/log" >&2 2>/dev/null || true
    done
    die "could not start a private PostgreSQL on ports 55432-55532"
}

if [[ -n "${TUOGUAN_TEST_PG_URL:-}" ]]; then
    log "PostgreSQL: using TUOGUAN_TEST_PG_URL from the environment"
elif ! want_private_pg && shared_pg_ok; then
    export TUOGUAN_TEST_PG_URL="postgres://postgres@127.0.0.1:5432/postgres"
    log "PostgreSQL: using the server on 127.0.0.1:5432"
else
    start_private_pg
fi
d_pg="$(elapsed "$t_pg")"
log "pg: $d_pg (TUOGUAN_TEST_PG_URL=$TUOGUAN_TEST_PG_URL)"

# ---------------------------------------------------------------------------
# Phase 3: build and run the tests (debug profile for every test binary).
# ---------------------------------------------------------------------------
export CHROMEDRIVER=/usr/bin/chromedriver
export CHROMIUM=/usr/bin/chromium
export TUOGUAN_ARTIFACTS="$repo/artifacts"
mkdir -p "$TUOGUAN_ARTIFACTS"
export NEXTEST_HIDE_PROGRESS_BAR=1

# Every test process writes what its servers log here (tests/it/support); scanned below.
export TUOGUAN_TEST_LOGS="$repo/target/test-logs"
rm -rf "$TUOGUAN_TEST_LOGS"
mkdir -p "$TUOGUAN_TEST_LOGS"

log "timing so far: install $d_install, pg $d_pg"
log "running: cargo nextest run --workspace --no-fail-fast --failure-output final $*"
# nextest's Summary line is the last line of its output (CI reads it); its exit code is ours,
# unless the log scan below finds a child's data.
rc=0
cargo nextest run --workspace --no-fail-fast --failure-output final "$@" || rc=$?

# ---------------------------------------------------------------------------
# The log scan: no ID number, mobile number or seeded health note in anything the servers of
# the whole suite logged (docs/SECURITY.md). Number boundaries exclude longer digit runs and
# hex, so timestamps and UUIDs do not match.
# ---------------------------------------------------------------------------
id_re='(?<![0-9A-Za-z])[1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx](?![0-9A-Za-z])'
phone_re='(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])'
notes_re='花生过敏|青霉素过敏|对芒果过敏'
files=$(find "$TUOGUAN_TEST_LOGS" -name '*.log' | wc -l)
size=$(du -sh "$TUOGUAN_TEST_LOGS" | cut -f1)
leaks=$(grep -rPho "$id_re|$phone_re|$notes_re" "$TUOGUAN_TEST_LOGS" | sort | uniq -c | sort -rn | head -20 || true)
if [[ -n "$leaks" ]]; then
    printf 'test.sh: the logs of the suite hold children'"'"'s data (count, value):\n%s\n' "$leaks" >&2
    grep -rPl "$id_re|$phone_re|$notes_re" "$TUOGUAN_TEST_LOGS" | head -5 >&2
    rc=1
else
    log "log scan: $files log files ($size), no ID number, phone number or health note"
fi
exit "$rc"
