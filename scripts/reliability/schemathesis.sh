#!/usr/bin/env bash
# Reliability, part 2: Schemathesis (all its checks) against a real `crane`
# process, once per role: anonymous, participant, organiser, admin. Installs
# Schemathesis into target/reliability/venv on first use.
#
#   scripts/reliability/schemathesis.sh [DATABASE_URL]
#
# Without an argument the server runs on a fresh SQLite file. Prints one line
# of figures per role and a total; exits non-zero on any server error or
# schema violation. Count: RELIABILITY_ST_EXAMPLES (test cases per operation).
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=target/reliability/venv
examples="${RELIABILITY_ST_EXAMPLES:-50}"
if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'schemathesis>=4.32,<5'
fi
[ -x target/debug/crane ] || cargo build --quiet --bin crane

work="$(mktemp -d /tmp/crane-schemathesis.XXXXXX)"
db="${1:-sqlite://$work/crane.db?mode=rwc}"
tag=sqlite
[ -n "${1:-}" ] && tag=postgres
mkdir -p target/reliability
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
DATABASE_URL="$db" CRANE_BIND="127.0.0.1:$port" CRANE_DEMO_ON_EMPTY_DB=true CRANE_LOG_LEVEL=warn \
  CRANE_LIMITS__REGISTRATIONS_PER_IP_PER_MINUTE=100000 CRANE_LIMITS__LOGINS_PER_IP_PER_MINUTE=100000 \
  CRANE_LIMITS__LOGIN_FAILURES_PER_PHONE=100000 \
  target/debug/crane >"$work/crane.out" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  curl -fs "$base/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fs "$base/healthz" >/dev/null || { echo "crane did not start:"; cat "$work/crane.out"; exit 1; }

json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
login() {
  curl -fs -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
    -d "$(python3 -c 'import json,sys; print(json.dumps({"phone": sys.argv[1], "password": sys.argv[2]}))' "$1" "$2")" |
    json_field '["token"]'
}
account() { grep "demo $1 " "$work/crane.out" | sed -E 's/.*phone ([0-9]+) +password (.*)$/\1 \2/'; }
read -r org_phone org_pw <<<"$(account organiser)"
read -r admin_phone admin_pw <<<"$(account admin)"
participant="$(curl -fs -X POST "$base/api/v1/auth/register" -H 'content-type: application/json' \
  -d '{"phone":"0987000123","password":"sếu đầu đỏ tràm chim","full_name":"Người Thử Nghiệm","address":{"province":"Đồng Tháp","commune":"Tràm Chim","hamlet":"Khóm 1"}}' |
  json_field '["token"]')"
spare_session() {
  case "$1" in
    participant) login 0987000123 'sếu đầu đỏ tràm chim' ;;
    organiser) login "$org_phone" "$org_pw" ;;
    admin) login "$admin_phone" "$admin_pw" ;;
  esac
}
declare -A token=([anonymous]="" [participant]="$participant" [organiser]="$(login "$org_phone" "$org_pw")" [admin]="$(login "$admin_phone" "$admin_pw")")

total_errors=0
total_violations=0
for role in anonymous participant organiser admin; do
  args=(run "$base/api/openapi.json" --checks all -n "$examples" --workers 2 --no-color
        --phases examples,coverage,fuzzing --request-timeout 30
        --report json --report-json-path "$work/$role.json")
  if [ -n "${token[$role]}" ]; then
    # Logout would end the role's session for every later case: it runs on
    # its own, with a session of its own (after its first case, 401 is right).
    args+=(-H "Authorization: Bearer ${token[$role]}" --generation-with-security-parameters false
           --exclude-operation-id logout)
  fi
  (cd "$work" && "$OLDPWD/$venv/bin/st" --config-file "$OLDPWD/scripts/reliability/schemathesis.toml" "${args[@]}" >"$work/$role.txt" 2>&1) || true
  if [ -n "${token[$role]}" ]; then
    spare="$(spare_session "$role")"
    args=(run "$base/api/openapi.json" --checks all -n "$examples" --workers 1 --no-color
          --phases examples,coverage,fuzzing --request-timeout 30 --include-operation-id logout
          -H "Authorization: Bearer $spare" --generation-with-security-parameters false
          --report json --report-json-path "$work/$role-logout.json")
    (cd "$work" && "$OLDPWD/$venv/bin/st" --config-file "$OLDPWD/scripts/reliability/schemathesis.toml" "${args[@]}" >>"$work/$role.txt" 2>&1) || true
    python3 - "$work/$role.json" "$work/$role-logout.json" <<'PY'
import json, sys
main, extra = (json.load(open(p)) for p in sys.argv[1:])
main["failures"] = main.get("failures", []) + extra.get("failures", [])
main["errors"] = main.get("errors", []) + extra.get("errors", [])
for k in ("total", "tested"):
    main["operations"][k] += extra["operations"][k]
main["test_cases"]["generated"] += extra["test_cases"]["generated"]
json.dump(main, open(sys.argv[1], "w"))
PY
  fi
  cp "$work/$role.txt" "target/reliability/schemathesis-$tag-$role.txt"
  cp "$work/$role.json" "target/reliability/schemathesis-$tag-$role.json" 2>/dev/null || true
  line="$(python3 - "$work/$role.json" "$role" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
fails = d.get("failures", [])
errors = sum(f["count"] for f in fails if f["type"] == "ServerError")
violations = sum(f["count"] for f in fails if f["type"] != "ServerError")
codes = ",".join(f'{f["code"]}:{f["count"]}' for f in fails) or "-"
ops = d["operations"]
print(f'{errors} {violations} RELIABILITY schemathesis_{sys.argv[2]}: operations={ops["total"]} tested={ops["tested"]} '
      f'cases={d["test_cases"]["generated"]} server_errors={errors} schema_violations={violations} '
      f'errored={len(d.get("errors", []))} codes={codes}')
PY
)"
  read -r errors violations rest <<<"$line"
  echo "$rest"
  total_errors=$((total_errors + errors))
  total_violations=$((total_violations + violations))
done
echo "RELIABILITY schemathesis: server_errors=$total_errors schema_violations=$total_violations (details: target/reliability/schemathesis-$tag-<role>.txt)"
[ "$total_errors" -eq 0 ] && [ "$total_violations" -eq 0 ]
