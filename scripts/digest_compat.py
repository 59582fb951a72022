#!/usr/bin/env python3
"""Does a new build rank exactly as an old one? Seeds a contest through the
HTTP API of the OLD build (participants, several attempts each, random answers
and predictions, an exclusion, a disqualification), finalizes it with the OLD
build's `crane results finalize`, then asks the NEW build to
`crane results verify` the same database (recompute from the stored attempts
and compare digests) and to finalize a copy taken before finalization.

Usage: scripts/digest_compat.py OLD_CRANE_BIN NEW_CRANE_BIN [PARTICIPANTS]
Exit 0 when every digest agrees. Runs on SQLite in a temporary folder and
talks only to 127.0.0.1.
"""
import json, os, random, shutil, socket, subprocess, sys, tempfile, time
import urllib.request, urllib.error
from datetime import datetime, timedelta, timezone

OLD, NEW = sys.argv[1], sys.argv[2]
N = int(sys.argv[3]) if len(sys.argv) > 3 else 40
PASSWORD = "kiểm-tra-mã-băm-%d" % random.randrange(10**9)
tmp = tempfile.mkdtemp(prefix="crane-digest-")
db = os.path.join(tmp, "crane.db")
port = socket.socket(); port.bind(("127.0.0.1", 0)); PORT = port.getsockname()[1]; port.close()
env = dict(os.environ, DATABASE_URL=f"sqlite://{db}?mode=rwc", CRANE_BIND=f"127.0.0.1:{PORT}",
           CRANE_DEMO_ON_EMPTY_DB="false", CRANE_LIMITS__REGISTRATIONS_PER_IP_PER_MINUTE="100000",
           CRANE_LIMITS__LOGINS_PER_IP_PER_MINUTE="100000", CRANE_ADMIN_PASSWORD=PASSWORD)
BASE = f"http://127.0.0.1:{PORT}/api/v1"


def call(method, path, body=None, token=None):
    req = urllib.request.Request(BASE + path, method=method,
                                 data=None if body is None else json.dumps(body).encode())
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def run(binary, *args):
    out = subprocess.run([binary, *args], env=dict(env, NO_COLOR="1", RUST_LOG="warn"),
                         capture_output=True, text=True)
    if out.returncode != 0:
        print(out.stdout, out.stderr)
    return out


def login(phone):
    s, b = call("POST", "/auth/login", {"phone": phone, "password": PASSWORD})
    assert s == 200, (s, b)
    return b["token"]


run(OLD, "admin", "create", "--phone", "0900000902", "--name", "Quản Trị", "--role", "admin",
    "--province", "Đồng Tháp", "--commune", "Mỹ Trà")
run(OLD, "admin", "create", "--phone", "0900000901", "--name", "Ban Tổ Chức", "--role", "organiser",
    "--province", "Đồng Tháp", "--commune", "Mỹ Trà")
server = subprocess.Popen([OLD, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz"); break
        except Exception:
            time.sleep(0.2)
    org, admin = login("0900000901"), login("0900000902")
    tz = timezone(timedelta(hours=7))
    now = datetime.now(tz)
    ends = now + timedelta(seconds=45)
    s, b = call("POST", "/admin/contests", {
        "title": "Kiểm tra mã băm", "starts_at": (now - timedelta(minutes=1)).isoformat(timespec="seconds"),
        "ends_at": ends.isoformat(timespec="seconds"), "questions_per_attempt": 5, "time_limit_seconds": 30,
        "max_attempts": 3, "grace_seconds": 0, "excluded": ["0911000003"],
        "prizes": [{"name": "Giải Nhất", "count": 1, "amount": 5000000},
                   {"name": "Giải Khuyến khích", "count": 3, "amount": 1000000}]}, org)
    assert s == 201, (s, b)
    cid = b["contest"]["id"]
    questions = [{"text": f"Câu hỏi số {i}?", "options": ["A", "B", "C"], "correct": i % 3,
                  "category": ["Sếu", "Tràm Chim"][i % 2]} for i in range(8)]
    assert call("POST", f"/admin/contests/{cid}/questions", {"questions": questions}, org)[0] == 201
    assert call("POST", f"/admin/contests/{cid}/publish", {}, org)[0] == 200
    rng = random.Random(7)
    users = []
    for i in range(N):
        phone = "0911%06d" % i
        s, b = call("POST", "/auth/register", {
            "phone": phone, "password": PASSWORD, "full_name": f"Người Thi {i}",
            "address": {"province": "Đồng Tháp", "commune": "Mỹ Hội", "hamlet": "ấp Đông Mỹ"}})
        assert s == 201, (s, b)
        users.append((b["user"]["id"], b["token"]))
    submitted = 0
    for uid, token in users:
        for _ in range(rng.randint(1, 3)):
            s, b = call("POST", f"/contests/{cid}/attempts", None, token)
            if s not in (200, 201):
                break
            a = b["attempt"]
            answers = [{"question_id": q["id"], "option_id": rng.choice(q["options"])["id"]}
                       for q in a["questions"] if rng.random() < 0.9]
            if rng.random() < 0.15:  # left open: the server closes it at its deadline
                call("PUT", f"/attempts/{a['id']}/answers", {"answers": answers}, token)
                continue
            s, _ = call("POST", f"/attempts/{a['id']}/submit",
                        {"answers": answers, "prediction": rng.randint(0, 10)}, token)
            submitted += s == 200
    s, _ = call("POST", f"/admin/contests/{cid}/disqualify",
                {"user_id": users[5][0], "reason": "Kiểm tra"}, admin)
    assert s == 200
    wait = (ends - datetime.now(tz)).total_seconds() + 31
    print(f"{N} participants, {submitted} submits; waiting {wait:.0f} s for the end and the last deadline")
    time.sleep(max(0, wait))
finally:
    server.terminate(); server.wait()

before = os.path.join(tmp, "before-finalize.db")
for suffix in ("", "-wal", "-shm"):  # WAL mode: the latest writes may be in -wal still
    if os.path.exists(db + suffix):
        shutil.copy(db + suffix, before + suffix)
old = run(OLD, "results", "finalize", cid)
old_digest = old.stdout.split("digest")[-1].strip().split()[0]
verify = run(NEW, "results", "verify", cid)
env["DATABASE_URL"] = f"sqlite://{before}?mode=rwc"
new = run(NEW, "results", "finalize", cid)
new_digest = new.stdout.split("digest")[-1].strip().split()[0]
print("old build finalized:", old_digest)
print("new build verify   :", verify.stdout.strip())
print("new build finalized:", new_digest)
ok = verify.returncode == 0 and old_digest == new_digest and len(old_digest) == 64
print("digests agree" if ok else "DIGESTS DIFFER")
shutil.rmtree(tmp)
sys.exit(0 if ok else 1)
