#!/usr/bin/env bash
# The reliability and security suite, whole (issue #7). `cargo test` runs the
# quick parts with small counts; this runs every part with larger counts on
# SQLite and on PostgreSQL, plus the two parts that need a real `crane`
# process: Schemathesis (part 2) and crash durability (part 6).
#
#   scripts/reliability.sh            # everything
#   scripts/reliability.sh hostile    # only the parts named (hostile leaks
#                                     # deadlines races access login otp sessions
#                                     # exports crash schemathesis)
#
# Prints one line of figures per part ("[sqlite] hostile: sent=… 5xx=0 …"),
# then a summary; exits non-zero when any part fails. Logs: target/reliability/.
# PostgreSQL: CRANE_TEST_PG (default postgres://postgres@127.0.0.1:5432); each
# test makes its own database, all dropped at the end. Every count below can
# be overridden from the environment.
set -uo pipefail
cd "$(dirname "$0")/.."
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"
export CARGO_TERM_COLOR=never
PG_SERVER="${CRANE_TEST_PG:-postgres://postgres@127.0.0.1:5432}"
out=target/reliability
mkdir -p "$out"

export RELIABILITY_HOSTILE_CASES="${RELIABILITY_HOSTILE_CASES:-3000}"
export RELIABILITY_HOSTILE_PASSES="${RELIABILITY_HOSTILE_PASSES:-2}"
export RELIABILITY_SEED="${RELIABILITY_SEED:-$(date +%s)}"
export RELIABILITY_LEAK_PARTICIPANTS="${RELIABILITY_LEAK_PARTICIPANTS:-30}"
export RELIABILITY_SUBMIT_ROUNDS="${RELIABILITY_SUBMIT_ROUNDS:-200}"
export RELIABILITY_SUBMITS_PER_ROUND="${RELIABILITY_SUBMITS_PER_ROUND:-50}"
export RELIABILITY_START_ROUNDS="${RELIABILITY_START_ROUNDS:-5}"
export RELIABILITY_REGISTER_ROUNDS="${RELIABILITY_REGISTER_ROUNDS:-20}"
export RELIABILITY_PROBES="${RELIABILITY_PROBES:-2000}"
export RELIABILITY_LOGIN_GUESSES="${RELIABILITY_LOGIN_GUESSES:-100}"
export RELIABILITY_SPRAY_ACCOUNTS="${RELIABILITY_SPRAY_ACCOUNTS:-500}"
export RELIABILITY_TIMING_SAMPLES="${RELIABILITY_TIMING_SAMPLES:-100}"
export RELIABILITY_CRASH_CYCLES="${RELIABILITY_CRASH_CYCLES:-10}"
export RELIABILITY_CRASH_SUBMITS="${RELIABILITY_CRASH_SUBMITS:-1000}"
export RELIABILITY_CRASH_CLIENTS="${RELIABILITY_CRASH_CLIENTS:-64}"
export RELIABILITY_ST_EXAMPLES="${RELIABILITY_ST_EXAMPLES:-100}"
export RELIABILITY_OTP_TIMING_SAMPLES="${RELIABILITY_OTP_TIMING_SAMPLES:-100}"
export RELIABILITY_OTP_GUESSES="${RELIABILITY_OTP_GUESSES:-1000}"

all_parts=(hostile leaks deadlines races access login otp sessions exports crash schemathesis)
parts=("$@")
[ ${#parts[@]} -eq 0 ] && parts=("${all_parts[@]}")
wants() { printf '%s\n' "${parts[@]}" | grep -qx "$1"; }

summary=()
failed=0
started=$(date +%s)

# Runs one test target; prints its figure lines tagged with the database.
run_part() {
  local db="$1" part="$2"
  shift 2
  local log="$out/$db-$part.log" t0 status
  t0=$(date +%s)
  if cargo test --quiet --test "reliability_$part" -- --nocapture "$@" >"$log" 2>&1; then
    status=PASS
  else
    status=FAIL
    failed=1
  fi
  grep -o 'RELIABILITY .*' "$log" | sed "s/^RELIABILITY /[$db] /"
  if [ "$status" = FAIL ]; then
    grep -A6 "panicked at" "$log" | grep -vE '^ +[0-9]+: |^ +at |^stack backtrace|^--$' | cut -c1-300 | head -12 | sed 's/^/    /'
  fi
  summary+=("$(printf '%-9s %-14s %s %4ss  %s' "$db" "$part" "$status" "$(($(date +%s) - t0))" "$log")")
}

run_leg() {
  local db="$1"
  for p in hostile leaks deadlines races access login otp sessions exports; do
    wants "$p" && run_part "$db" "$p"
  done
  wants crash && run_part "$db" crash --ignored
}

echo "== building"
if ! cargo build --quiet --bin crane || ! cargo test --quiet --no-run $(for p in "${all_parts[@]}"; do [ "$p" != schemathesis ] && printf -- '--test reliability_%s ' "$p"; done) >"$out/build.log" 2>&1; then
  cat "$out/build.log"
  exit 1
fi

echo "== SQLite"
unset TEST_DATABASE_URL
run_leg sqlite

echo "== PostgreSQL"
pg_up() { psql "$PG_SERVER/postgres" -tAc 'SELECT 1' >/dev/null 2>&1; }
run_db=""
if command -v psql >/dev/null 2>&1 && pg_up; then
  run_db="crane_trel$(date +%s)_$$"
  cleanup() {
    psql "$PG_SERVER/postgres" -tAc "SELECT datname FROM pg_database WHERE datname LIKE '${run_db}%'" 2>/dev/null |
      while read -r d; do [ -n "$d" ] && psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS \"$d\"" >/dev/null 2>&1; done
  }
  trap cleanup EXIT
  export TEST_DATABASE_URL="$PG_SERVER/$run_db"
  run_leg postgres
  unset TEST_DATABASE_URL
else
  echo "PostgreSQL is not reachable at $PG_SERVER: PostgreSQL leg skipped"
  summary+=("postgres  (all)          SKIP")
  [ "${CI:-}" = "true" ] && failed=1
fi

if wants schemathesis; then
  echo "== Schemathesis"
  # Every route the server registers is in the document Schemathesis reads.
  if cargo test --quiet --test openapi -- every_registered_route_is_in_the_openapi_document >"$out/documented.log" 2>&1; then
    echo "[all] documented: every registered route is in /api/openapi.json"
    summary+=("all       documented     PASS")
  else
    echo "[all] documented: routes missing from /api/openapi.json (see $out/documented.log)"
    summary+=("all       documented     FAIL        $out/documented.log")
    failed=1
  fi
  for db in sqlite postgres; do
    url=""
    if [ "$db" = postgres ]; then
      [ -n "$run_db" ] || continue
      url="$PG_SERVER/${run_db}_st"
      psql "$PG_SERVER/postgres" -qc "CREATE DATABASE \"${run_db}_st\"" >/dev/null
    fi
    t0=$(date +%s)
    log="$out/$db-schemathesis.log"
    if scripts/reliability/schemathesis.sh $url >"$log" 2>&1; then status=PASS; else status=FAIL; failed=1; fi
    grep -o 'RELIABILITY .*' "$log" | sed "s/^RELIABILITY /[$db] /"
    summary+=("$(printf '%-9s %-14s %s %4ss  %s' "$db" schemathesis "$status" "$(($(date +%s) - t0))" "$log")")
  done
fi

echo
echo "== summary ($(($(date +%s) - started)) s, seed $RELIABILITY_SEED)"
printf '%s\n' "${summary[@]}"
if [ "$failed" -ne 0 ]; then
  echo "RELIABILITY: FAILED"
  exit 1
fi
echo "RELIABILITY: all parts passed"
