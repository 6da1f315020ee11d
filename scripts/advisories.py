#!/usr/bin/env python3
"""Writes audit/rustsec.toml from a checkout of the RustSec advisory database.

    git clone https://github.com/rustsec/advisory-db /tmp/advisory-db
    python3 scripts/advisories.py /tmp/advisory-db > audit/rustsec.toml

Every registry crate of Cargo.lock is looked up in crates/<name>/; each advisory's id, dates,
kind and version ranges are copied, and the crate names go to `checked`. The test
`advisories::no_locked_crate_has_a_known_advisory` reads the result (docs/SECURITY.md).
"""
import datetime
import json
import pathlib
import re
import sys
import tomllib

repo = pathlib.Path(__file__).resolve().parent.parent
db = pathlib.Path(sys.argv[1])
lock = tomllib.loads((repo / "Cargo.lock").read_text())
names = sorted({p["name"] for p in lock["package"] if "source" in p})
header = (repo / "audit" / "rustsec.toml").read_text().split("\ntaken = ")[0]


def q(s):
    return json.dumps(s, ensure_ascii=False)


out = [header, f'taken = "{datetime.date.today()}"', f'source = {q("rustsec/advisory-db checkout")}', "checked = ["]
out += [f"  {q(n)}," for n in names] + ["]"]
for name in names:
    for md in sorted((db / "crates" / name).glob("RUSTSEC-*.md")):
        text = md.read_text()
        front = re.search(r"```toml\n(.*?)\n```", text, re.S)
        if not front:
            continue
        meta = tomllib.loads(front.group(1))
        a, v = meta["advisory"], meta.get("versions", {})
        if a["id"] == "RUSTSEC-0000-0000":
            continue
        title = re.search(r"^# (.+)$", text[front.end():], re.M)
        out += ["", "[[advisory]]"]
        for key, value in [
            ("id", a["id"]),
            ("package", a["package"]),
            ("date", str(a["date"])),
            ("informational", a.get("informational", "")),
            ("withdrawn", str(a.get("withdrawn", ""))),
            ("title", title.group(1).strip() if title else ""),
        ]:
            out.append(f"{key} = {q(value)}")
        for key in ("patched", "unaffected"):
            out.append(f"{key} = [{', '.join(q(r) for r in v.get(key, []))}]")
print("\n".join(out))
