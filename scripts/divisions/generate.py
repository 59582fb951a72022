#!/usr/bin/env python3
"""Generates src/domain/divisions/vn-2025.json: Vietnam's administrative divisions
after the reform of 1 July 2025 (34 provinces, 3,321 communes), which Crane
embeds in its binary and serves at GET /api/v1/divisions.

Source: the PyPI package `vietnam-provinces`, version 2025.10.1 (data version
2025-10-18, by Nguyễn Hồng Quân, https://github.com/sunshine-tech/VietnamProvinces),
file `vietnam_provinces/data/nested-divisions.json`: the names and official codes
of the General Statistics Office's list of new administrative units.

How to run it (from the repository root; Python 3.10+, nothing else needed):

    pip download --no-deps vietnam-provinces==2025.10.1 -d /tmp/vp
    python3 scripts/divisions/generate.py --wheel /tmp/vp/vietnam_provinces-2025.10.1-py3-none-any.whl

or, with the package installed (pip install vietnam-provinces==2025.10.1):

    python3 scripts/divisions/generate.py

`--check` compares instead of writing: it exits 1 when the committed file
differs from what the source gives.

What it writes: one JSON object, one commune per line so that a change of data
reads as a small diff:

    {"source": …, "province_count": 34, "commune_count": 3321, "provinces": [
      {"code": "01", "name": "Thành phố Hà Nội", "short_name": "Hà Nội",
       "kind": "thành phố", "communes": [
        ["00070", "Phường Hoàn Kiếm", "phường"], …]}, …]}

- Codes are the official ones, written as the official lists write them:
  two digits for a province, five for a commune (the source stores integers).
- The source names a centrally-run city in full ("Thành phố Hà Nội") but a
  province by its short name ("Đồng Tháp"); the file has both forms for each:
  `name` is the official full name ("Tỉnh Đồng Tháp") and `short_name` the
  name without "Tỉnh"/"Thành phố".
- A province's `kind` is "tỉnh" or "thành phố" (the source's "thành phố trung
  ương", a city under the central government); a commune's is "xã", "phường"
  or "đặc khu", and its name always begins with that word.
- Names have their whitespace collapsed: the source writes ten of them with
  two spaces after the kind ("Phường  Tân An"); the script lists those it fixes.
- Provinces and communes keep the source's order (by code); the server sorts.

The script stops with an error, writing nothing, unless there are exactly 34
provinces and 3,321 communes, every code is unique and well-formed, and every
kind and name is one it knows.
"""

import argparse
import hashlib
import json
import pathlib
import sys
import zipfile

PACKAGE = "vietnam-provinces"
VERSION = "2025.10.1"
# sha256 of vietnam_provinces-2025.10.1-py3-none-any.whl as published on PyPI.
WHEEL_SHA256 = "1693dece496b1e04e2b637a3dd79a87a22666e13c91c51cf06dc27e482987f57"
MEMBER = "vietnam_provinces/data/nested-divisions.json"
PROVINCES = 34
COMMUNES = 3321

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "src" / "domain" / "divisions" / "vn-2025.json"

PROVINCE_KINDS = {"tỉnh": ("tỉnh", "Tỉnh "), "thành phố trung ương": ("thành phố", "Thành phố ")}
COMMUNE_KINDS = {"xã": "Xã ", "phường": "Phường ", "đặc khu": "Đặc khu "}


def clean(name, fixed):
    """The name with runs of whitespace as one space, and trimmed."""
    tidy = " ".join(name.split())
    if tidy != name:
        fixed.append(f"{name!r} -> {tidy!r}")
    return tidy


def fail(message):
    sys.exit(f"generate.py: {message}")


def read_source(wheel):
    """The source file's bytes, from the wheel or from the installed package."""
    if wheel:
        data = pathlib.Path(wheel).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest != WHEEL_SHA256:
            fail(f"{wheel} is not {PACKAGE} {VERSION} from PyPI (sha256 {digest})")
        with zipfile.ZipFile(wheel) as z:
            return z.read(MEMBER)
    try:
        import vietnam_provinces
    except ImportError:
        fail(f"install {PACKAGE}=={VERSION}, or pass --wheel (see the top of this file)")
    if vietnam_provinces.__version__ != VERSION:
        fail(f"{PACKAGE} {vietnam_provinces.__version__} is installed; {VERSION} is required")
    return pathlib.Path(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH).read_bytes()


def convert(raw, fixed):
    """The data file's content (a str), after checking everything it states;
    the names whose whitespace was fixed are added to `fixed`."""
    source = json.loads(raw)
    if len(source) != PROVINCES:
        fail(f"{len(source)} provinces in the source, expected {PROVINCES}")
    provinces = []
    province_codes, commune_codes = set(), set()
    for p in sorted(source, key=lambda p: p["code"]):
        if p["division_type"] not in PROVINCE_KINDS:
            fail(f"province {p['code']}: unknown kind {p['division_type']!r}")
        kind, prefix = PROVINCE_KINDS[p["division_type"]]
        short = clean(p["name"], fixed).removeprefix(prefix).strip()
        if not 0 < p["code"] < 100 or p["code"] in province_codes or not short:
            fail(f"province {p['code']} {p['name']!r}: bad or repeated code, or no name")
        province_codes.add(p["code"])
        communes = []
        for w in sorted(p["wards"], key=lambda w: w["code"]):
            w = dict(w, name=clean(w["name"], fixed))
            prefix_w = COMMUNE_KINDS.get(w["division_type"])
            if prefix_w is None:
                fail(f"commune {w['code']}: unknown kind {w['division_type']!r}")
            if not w["name"].startswith(prefix_w) or not w["name"][len(prefix_w):].strip():
                fail(f"commune {w['code']} {w['name']!r} does not begin with {prefix_w!r}")
            if not 0 < w["code"] < 100000 or w["code"] in commune_codes:
                fail(f"commune {w['code']}: bad or repeated code")
            commune_codes.add(w["code"])
            communes.append([f"{w['code']:05}", w["name"], w["division_type"]])
        provinces.append(
            {
                "code": f"{p['code']:02}",
                "name": prefix + short,
                "short_name": short,
                "kind": kind,
                "communes": communes,
            }
        )
    if len(commune_codes) != COMMUNES:
        fail(f"{len(commune_codes)} communes in the source, expected {COMMUNES}")

    dump = lambda v: json.dumps(v, ensure_ascii=False)
    head = {
        "source": f"PyPI {PACKAGE} {VERSION}, {MEMBER}",
        "source_sha256": hashlib.sha256(raw).hexdigest(),
        "generated_by": "scripts/divisions/generate.py",
        "province_count": len(provinces),
        "commune_count": len(commune_codes),
    }
    lines = ["{"] + [f"{dump(k)}: {dump(v)}," for k, v in head.items()] + ['"provinces": [']
    for i, p in enumerate(provinces):
        fields = ", ".join(f"{dump(k)}: {dump(p[k])}" for k in ("code", "name", "short_name", "kind"))
        lines.append(f'{{{fields}, "communes": [')
        lines += [dump(c) + ("," if j + 1 < len(p["communes"]) else "") for j, c in enumerate(p["communes"])]
        lines.append("]}" + ("," if i + 1 < len(provinces) else ""))
    lines += ["]", "}"]
    text = "\n".join(lines) + "\n"
    json.loads(text)  # what was written is JSON
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel", help=f"the {PACKAGE} {VERSION} wheel, from pip download")
    parser.add_argument("--check", action="store_true", help="compare with the committed file")
    args = parser.parse_args()
    fixed = []
    text = convert(read_source(args.wheel), fixed)
    for f in fixed:
        print(f"whitespace fixed: {f}")
    if args.check:
        if OUTPUT.read_text(encoding="utf-8") != text:
            fail(f"{OUTPUT.relative_to(ROOT)} differs from what {PACKAGE} {VERSION} gives")
        print(f"{OUTPUT.relative_to(ROOT)} is up to date")
        return
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {PROVINCES} provinces, {COMMUNES} communes, {len(text.encode())} bytes")


if __name__ == "__main__":
    main()
