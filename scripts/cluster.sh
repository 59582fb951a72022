#!/usr/bin/env bash
# Crane beyond one machine, on this one machine, from Debian's packages: the
# topology of deploy/docker-compose.yml with the same configuration files —
# a PostgreSQL primary (its own cluster, WAL archived) and a streaming replica
# made with pg_basebackup, PgBouncer in front of the primary, three `crane
# serve` instances (database through PgBouncer, lag-tolerant reads on the
# replica) and HAProxy in front of them — then crane-bench through HAProxy.
# Everything it starts is stopped at the end, and its directory removed.
#
# Usage: scripts/cluster.sh [--debug]   (--debug: the debug build, for a quick
#        check of the script itself; figures come from the release build)
#
# Needs root (it runs PostgreSQL and PgBouncer as the postgres user). Out of
# the test command on purpose: it takes minutes and the whole machine.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
PROFILE=release
[ "${1:-}" = "--debug" ] && PROFILE=debug
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"

PRIMARY_PORT=25432
REPLICA_PORT=25433
BOUNCER_PORT=26432
LB_PORT=18080
PORTS=(18081 18082 18083)
started=$(date +%s)
say() { printf '\n== %s (%ss)\n' "$1" "$(( $(date +%s) - started ))"; }

say "packages"
need=()
command -v haproxy >/dev/null || need+=(haproxy)
command -v pgbouncer >/dev/null || need+=(pgbouncer)
ls /usr/lib/postgresql/*/bin/pg_basebackup >/dev/null 2>&1 || need+=(postgresql)
if [ "${#need[@]}" -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
fi
PGBIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
as_pg() { runuser -u postgres -- "$@"; }
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}'), $(pgbouncer --version | head -1), $(haproxy -v | head -1 | awk '{print $1, $2, $3}')"

say "build ($PROFILE)"
if [ "$PROFILE" = release ]; then
  cargo build --release --quiet -p crane -p crane-bench --bins
else
  cargo build --quiet -p crane -p crane-bench --bins
fi
BIN="$ROOT/target/$PROFILE/crane"
BENCH="$ROOT/target/$PROFILE/crane-bench"

WORK="$(mktemp -d /tmp/crane-cluster.XXXXXX)"
chown postgres "$WORK"
HAPROXY_PID=""
cleanup() {
  set +e
  [ -n "$HAPROXY_PID" ] && kill "$HAPROXY_PID" 2>/dev/null
  [ -f "$WORK/pgbouncer.pid" ] && kill "$(cat "$WORK/pgbouncer.pid")" 2>/dev/null
  for d in replica primary; do
    [ -f "$WORK/$d/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$WORK/$d" -m immediate stop >/dev/null 2>&1
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

say "PostgreSQL primary on $PRIMARY_PORT (WAL archived), replica on $REPLICA_PORT"
as_pg mkdir -p "$WORK/archive"
as_pg "$PGBIN/initdb" -D "$WORK/primary" -U postgres --auth=trust >/dev/null
sed "s|@ARCHIVE@|$WORK/archive|g" deploy/postgresql-primary.conf | as_pg tee -a "$WORK/primary/postgresql.conf" >/dev/null
as_pg cp deploy/pg_hba.conf "$WORK/primary/pg_hba.conf"
as_pg "$PGBIN/pg_ctl" -D "$WORK/primary" -o "-p $PRIMARY_PORT -k $WORK" -l "$WORK/primary.log" -w start >/dev/null
as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$WORK/replica" -R -X stream
as_pg tee -a "$WORK/replica/postgresql.conf" < deploy/postgresql-replica.conf >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$WORK/replica" -o "-p $REPLICA_PORT -k $WORK" -l "$WORK/replica.log" -w start >/dev/null
psql "postgres://postgres@127.0.0.1:$REPLICA_PORT/postgres" -tAc "SELECT 'replica in recovery: ' || pg_is_in_recovery()"

say "PgBouncer on $BOUNCER_PORT"
version=$(pgbouncer --version | head -1 | awk '{print $2}')
if [ "$(printf '%s\n1.21\n' "$version" | sort -V | head -1)" != "1.21" ]; then
  # Before 1.21 transaction mode loses the driver's prepared statements.
  POOL_MODE=session PREPARED=""
else
  POOL_MODE=transaction PREPARED="max_prepared_statements = 200"
fi
echo '"postgres" ""' | as_pg tee "$WORK/users.txt" >/dev/null
sed -e "s|@PRIMARY_HOST@|127.0.0.1|" -e "s|@PRIMARY_PORT@|$PRIMARY_PORT|" \
    -e "s|@LISTEN_ADDR@|127.0.0.1|" -e "s|@LISTEN_PORT@|$BOUNCER_PORT|" \
    -e "s|@AUTH_FILE@|$WORK/users.txt|" -e "s|@POOL_MODE@|$POOL_MODE|" \
    -e "s|@PREPARED@|$PREPARED|" -e "s|@POOL_SIZE@|100|" \
    -e "s|@LOG_FILE@|$WORK/pgbouncer.log|" -e "s|@PID_FILE@|$WORK/pgbouncer.pid|" \
    deploy/pgbouncer.ini.in | as_pg tee "$WORK/pgbouncer.ini" >/dev/null
as_pg pgbouncer -d "$WORK/pgbouncer.ini"
echo "pool_mode = $POOL_MODE (PgBouncer $version)"

say "HAProxy on $LB_PORT → ${PORTS[*]}"
LISTEN="127.0.0.1:$LB_PORT" CRANE1="127.0.0.1:${PORTS[0]}" CRANE2="127.0.0.1:${PORTS[1]}" CRANE3="127.0.0.1:${PORTS[2]}" \
  haproxy -f deploy/haproxy.cfg -D -p "$WORK/haproxy.pid"
HAPROXY_PID="$(cat "$WORK/haproxy.pid")"

say "crane-bench --quick through HAProxy (3 instances, PgBouncer, replica reads)"
mkdir -p target/cluster
"$BENCH" --quick --db postgres --pg "postgres://postgres@127.0.0.1:$PRIMARY_PORT" \
  --instances 3 --ports "$(IFS=,; echo "${PORTS[*]}")" --via "http://127.0.0.1:$LB_PORT" \
  --server-pg "postgres://postgres@127.0.0.1:$BOUNCER_PORT" \
  --replica-pg "postgres://postgres@127.0.0.1:$REPLICA_PORT" \
  --server-bin "$BIN" --out-dir target/cluster
psql "postgres://postgres@127.0.0.1:$REPLICA_PORT/postgres" -tAc \
  "SELECT 'replica replay lag at the end: ' || COALESCE(now() - pg_last_xact_replay_timestamp(), '0'::interval)"

say "done"
