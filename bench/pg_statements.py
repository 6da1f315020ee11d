#!/usr/bin/env python3
"""Per-request SQL sent to PostgreSQL by one tuoguan server binary (docs/PERFORMANCE.md,
"PostgreSQL before and after").

Needs a private PostgreSQL cluster (never the shared one: this changes its settings with ALTER
SYSTEM) started with shared_preload_libraries=pg_stat_statements, pg_stat_statements.track=all,
log_line_prefix='%m [%p] %d ', CREATE EXTENSION pg_stat_statements in its `postgres` database, and
a dataset made by `tuoguan-loadgen --generate province --manifest M` in database DB:

    python3 bench/pg_statements.py --bin target/release/tuoguan --db DB --manifest M \
        --pglog CLUSTER/log --pool 1 --warm 5 --out before.json       # sequential, one connection
    ... --pool 8 --warm 64 --n 320 --conc 32                            # as the read benchmark

Starts BIN serve on the database URL, signs in the manifest's users, and for each target:
warms it (W requests), then sends N requests one at a time with log_min_duration_statement=0
and a fresh pg_stat_statements, and reports per request: statements executed, Parse messages
(new prepared statements), simple-protocol statements, and the statement texts."""
import argparse, json, os, re, socket, subprocess, sys, time, uuid
import requests

ap = argparse.ArgumentParser()
ap.add_argument("--bin", required=True)
ap.add_argument("--db", required=True)          # database name on the private cluster
ap.add_argument("--pg", default="postgres://postgres@127.0.0.1:55432")
ap.add_argument("--manifest", required=True)
ap.add_argument("--pglog", default="/work/pgpriv/log")
ap.add_argument("--n", type=int, default=10)
ap.add_argument("--warm", type=int, default=10)
ap.add_argument("--pool", type=int, default=8)
ap.add_argument("--out", required=True)
ap.add_argument("--only", default="")
ap.add_argument("--conc", type=int, default=1)
a = ap.parse_args()
m = json.load(open(a.manifest))
pid = m["programme_id"]

def psql(db, sql):
    return subprocess.run(["psql", f"{a.pg}/{db}", "-XAtqc", sql], check=True,
                          capture_output=True, text=True).stdout

targets = [
    ("home (page)", "/", m["national_user"]),
    ("organisations (page)", "/orgs", m["national_user"]),
    ("users (page)", "/users", m["national_user"]),
    ("programme and its classes (page)", f"/programmes/{pid}", m["national_user"]),
    ("classes, first 1,000 (API)", f"/api/v1/classes?programme_id={pid}", m["national_user"]),
    ("national dashboard (API)", f"/api/v1/orgs/{m['national_id']}/dashboard?programme_id={pid}", m["national_user"]),
    ("national dashboard (page)", f"/programmes/{pid}/dashboard", m["national_user"]),
    ("province dashboard (API)", f"/api/v1/orgs/{m['province_id']}/dashboard?programme_id={pid}", m["province_user"]),
    ("city dashboard (page)", f"/programmes/{pid}/dashboard?org={m['city_id']}", m["city_user"]),
    ("city report export (.xlsx)", f"/programmes/{pid}/dashboard.xlsx?org={m['city_id']}", m["city_user"]),
    ("class roll (page)", f"/classes/{m['class_id']}/roll", m["staff_user"]),
    ("class metrics (API)", f"/api/v1/classes/{m['class_id']}/metrics", m["unit_user"]),
    ("class month sign-in sheet (.xlsx)", f"/classes/{m['class_id']}/attendance.xlsx?month=2026-07", m["unit_user"]),
    ("50-child roster export (.xlsx)", f"/classes/{m['class_id']}/roster.xlsx", m["unit_user"]),
    ("check-in (API POST)", None, None),
]

days_sql = ", ".join("'%s'" % d for d in m["free_days"])
for table in ("attendance", "attendance_events"):
    subprocess.run(["psql", f"{a.pg}/{a.db}", "-XAtqc", f"DELETE FROM {table} WHERE day IN ({days_sql})"], check=True)
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
base = f"http://127.0.0.1:{port}"
env = dict(os.environ, DATABASE_URL=f"{a.pg}/{a.db}", TUOGUAN_DATA_KEY=os.urandom(32).hex(),
           TUOGUAN_DB_MAX_CONNECTIONS=str(a.pool))
log = open(a.out + ".serve.log", "w")
srv = subprocess.Popen([a.bin, "serve", "--bind", f"127.0.0.1:{port}"], env=env,
                       stdout=log, stderr=log, stdin=subprocess.DEVNULL)
try:
    for _ in range(600):
        try:
            if requests.get(base + "/healthz", timeout=1).ok: break
        except Exception: pass
        time.sleep(0.1)
    http = requests.Session()
    tokens = {}
    sample = m["sample"][0]
    for u in {t[2] for t in targets if t[2]} | {sample["username"]}:
        r = http.post(base + "/api/v1/auth/token", json={"username": u, "password": m["password"]})
        r.raise_for_status(); tokens[u] = r.json()["token"]
    days = m["free_days"]
    children = iter([(d, c) for d in days for c in sample["children"]])

    def once(t):
        name, path, user = t
        if path is None:
            day, child = next(children)
            r = http.post(f"{base}/api/v1/classes/{sample['id']}/attendance",
                          headers={"authorization": f"Bearer {tokens[sample['username']]}",
                                   "Idempotency-Key": str(uuid.uuid4())},
                          json={"child_id": child, "action": "check_in", "day": day, "person": "家长"})
        else:
            r = http.get(base + path, headers={"authorization": f"Bearer {tokens[user]}"})
        if r.status_code not in (200, 201) or not r.content:
            raise SystemExit(f"{name}: HTTP {r.status_code} {r.text[:300]}")

    report = []
    for t in targets:
        if a.only and a.only not in t[0]: continue
        def many(k):
            if a.conc == 1:
                for _ in range(k): once(t)
                return
            import concurrent.futures as cf
            with cf.ThreadPoolExecutor(a.conc) as ex:
                for f in [ex.submit(once, t) for _ in range(k)]: f.result()
        many(a.warm)
        time.sleep(0.3)
        sess0 = int(psql("postgres", f"SELECT sessions FROM pg_stat_database WHERE datname = '{a.db}'"))
        psql("postgres", "SELECT pg_stat_statements_reset()")
        psql("postgres", "ALTER SYSTEM SET log_min_duration_statement = 0")
        psql("postgres", "SELECT pg_reload_conf()")
        time.sleep(0.5)
        start = os.path.getsize(a.pglog)
        many(a.n)
        time.sleep(0.5)
        sess1 = int(psql("postgres", f"SELECT sessions FROM pg_stat_database WHERE datname = '{a.db}'"))  # the journal / writer commit after answering
        psql("postgres", "ALTER SYSTEM RESET log_min_duration_statement")
        psql("postgres", "SELECT pg_reload_conf()")
        time.sleep(0.3)
        with open(a.pglog, errors="replace") as f:
            f.seek(start); lines = f.read().splitlines()
        kinds = {"parse": 0, "bind": 0, "execute": 0, "statement": 0}
        parsed = []
        for ln in lines:
            if f" {a.db} " not in ln: continue
            mm = re.search(r"duration: [\d.]+ ms\s+(parse|bind|execute|statement)( [^:]*)?: (.*)", ln)
            if mm:
                kinds[mm.group(1)] += 1
                if mm.group(1) == "parse": parsed.append(mm.group(3)[:160])
        stmts = psql("postgres", "SELECT calls, round(total_exec_time::numeric,3), shared_blks_hit + shared_blks_read, "
                     "regexp_replace(query, '\\s+', ' ', 'g') FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
                     f"WHERE d.datname = '{a.db}' AND query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE 'ALTER SYSTEM%' "
                     "AND query NOT LIKE '%pg_reload_conf%' ORDER BY calls DESC, query")
        rows = [r.split("|", 3) for r in stmts.splitlines() if r]
        calls = sum(int(r[0]) for r in rows)
        rep = {"target": t[0], "n": a.n, "executes_per_req": kinds["execute"] / a.n,
               "simple_per_req": kinds["statement"] / a.n, "parses_per_req": kinds["parse"] / a.n,
               "pgss_calls_per_req": calls / a.n, "distinct_texts": len(rows), "new_sessions": sess1 - sess0,
               "statements": [{"calls_per_req": int(r[0]) / a.n, "exec_ms_total": float(r[1]), "blocks": int(r[2]), "query": r[3]} for r in rows],
               "parsed": parsed}
        report.append(rep)
        print(f"{t[0]:38} exec/req {rep['executes_per_req']:5.1f} simple/req {rep['simple_per_req']:4.1f} "
              f"parse/req {rep['parses_per_req']:5.1f} pgss calls/req {rep['pgss_calls_per_req']:5.1f} texts {len(rows)} new conns {sess1 - sess0}", flush=True)
    json.dump(report, open(a.out, "w"), indent=1, ensure_ascii=False)
finally:
    srv.terminate(); srv.wait(10)
