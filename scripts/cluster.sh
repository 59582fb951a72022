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

# crane-bench through HAProxy: three instances on fixed ports (HAProxy's
# backends), their database through PgBouncer, lag-tolerant reads on the
# replica. Each run seeds its own database on the primary and drops it after.
bench() {
  local name=$1 instances=$2
  shift 2
  "$BENCH" --quick --db postgres --pg "postgres://postgres@127.0.0.1:$PRIMARY_PORT" \
    --instances "$instances" --ports "$(IFS=,; echo "${PORTS[*]:0:$instances}")" --via "http://127.0.0.1:$LB_PORT" \
    --server-pg "postgres://postgres@127.0.0.1:$BOUNCER_PORT" \
    --replica-pg "postgres://postgres@127.0.0.1:$REPLICA_PORT" \
    --server-bin "$BIN" --out-dir "target/cluster/$name" "$@"
}
replica_psql() { psql "postgres://postgres@127.0.0.1:$REPLICA_PORT/postgres" -tAc "$1"; }
instance_health() { curl -s "http://127.0.0.1:${PORTS[0]}/healthz"; }

say "crane-bench --quick through HAProxy (3 instances, PgBouncer, replica reads)"
bench whole 3 | tee "$WORK/whole.log" | grep -E "^\s*→|PASS|FAIL" || true

# A drill: 32 phones play for 30 s through HAProxy (start, autosave, submit,
# read; each failed request tried again after 250 ms, as the web app does);
# `action` breaks something 10 s in. The bench then checks every acknowledged
# submit against the database.
drill() {
  local name=$1 action=$2
  bench "$name" 3 --only drill --drill-seconds 30 >"$WORK/$name.log" 2>&1 &
  local pid=$!
  until grep -q "^drill:" "$WORK/$name.log" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  sleep 10
  echo "$(date +%T) $name: $($action)"
  local status=0
  wait "$pid" || status=$?
  grep -E "drill:|drill timeline|stored submissions|one score per attempt" "$WORK/$name.log" | sed 's/^/  /'
  echo "  bench exit status $status"
}

kill_instance() {
  local pid
  pid=$(ss -ltnpH "sport = :${PORTS[1]}" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
  kill -9 "$pid"
  echo "SIGKILL to the instance on :${PORTS[1]} (pid $pid)"
}
restart_pgbouncer() {
  kill -INT "$(cat "$WORK/pgbouncer.pid")"
  while [ -f "$WORK/pgbouncer.pid" ] && kill -0 "$(cat "$WORK/pgbouncer.pid")" 2>/dev/null; do sleep 0.05; done
  as_pg pgbouncer -d "$WORK/pgbouncer.ini"
  echo "PgBouncer stopped and started again"
}
stop_replica() {
  as_pg "$PGBIN/pg_ctl" -D "$WORK/replica" -m fast stop >/dev/null
  sleep 2
  echo "replica stopped; an instance says $(instance_health)"
}
pause_replay() {
  replica_psql "SELECT pg_wal_replay_pause()" >/dev/null
  sleep 4
  local behind
  behind=$(instance_health)
  replica_psql "SELECT pg_wal_replay_resume()" >/dev/null
  sleep 2
  echo "replay paused 4 s: an instance said $behind; resumed: $(instance_health)"
}
restart_primary() {
  local t0
  t0=$(date +%s.%N)
  as_pg "$PGBIN/pg_ctl" -D "$WORK/primary" -m fast -w restart >/dev/null
  echo "primary restarted in $(echo "$(date +%s.%N) - $t0" | bc) s"
}

say "drill: SIGKILL one instance under load"
drill kill-instance kill_instance
say "drill: restart PgBouncer under load"
drill restart-pgbouncer restart_pgbouncer
say "drill: the replica's replay paused, then resumed"
drill pause-replay pause_replay
say "drill: the replica stopped"
drill stop-replica stop_replica
as_pg "$PGBIN/pg_ctl" -D "$WORK/replica" -o "-p $REPLICA_PORT -k $WORK" -l "$WORK/replica.log" -w start >/dev/null
say "drill: restart the primary under load"
drill restart-primary restart_primary

say "1, 2 and 3 instances through HAProxy (submits, starts, reads)"
for n in 1 2 3; do
  bench "scale-$n" "$n" --only s1,reads,s3 >"$WORK/scale-$n.log" 2>&1 || true
  echo "$n instance(s):"
  grep -E "G2 starts/s, 64 clients closed loop|G1 submits/s|G6 contest page" "$WORK/scale-$n.log" | grep "→" | sed 's/^ */  /'
  grep -E "CPU of the machine" "$WORK/scale-$n.log" | grep -E "S3 closed|reads" | head -2 | sed 's/^ */  /'
done

say "PostgreSQL backup and restore drill (pg_basebackup + WAL archive)"
as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$WORK/backup" -X none -c fast
echo "base backup taken; now phones play 20 s, then the archive is closed and the backup restored"
bench restore 3 --only drill --drill-seconds 20 --keep >"$WORK/restore.log" 2>&1 || true
db=$(grep -o "crane_bench_[0-9]*" "$WORK/restore.log" | head -1)
psql "postgres://postgres@127.0.0.1:$PRIMARY_PORT/postgres" -tAc "SELECT pg_switch_wal()" >/dev/null
sleep 2
as_pg cp -a "$WORK/backup" "$WORK/restored"
as_pg touch "$WORK/restored/recovery.signal"
printf "restore_command = 'cp %s/%%f %%p'\nrecovery_target_timeline = 'latest'\narchive_mode = off\n" "$WORK/archive" \
  | as_pg tee -a "$WORK/restored/postgresql.conf" >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$WORK/restored" -o "-p 25434 -k $WORK" -l "$WORK/restored.log" -w -t 120 start >/dev/null
until [ "$(psql "postgres://postgres@127.0.0.1:25434/postgres" -tAc 'SELECT pg_is_in_recovery()')" = "f" ]; do sleep 0.5; done
q="SELECT count(*) FROM attempts WHERE status = 'submitted'"
live=$(psql "postgres://postgres@127.0.0.1:$PRIMARY_PORT/$db" -tAc "$q")
restored=$(psql "postgres://postgres@127.0.0.1:25434/$db" -tAc "$q")
acked=$(grep -o "[0-9]* answered 2xx" "$WORK/restore.log" | head -1)
echo "submitted attempts: primary $live, restored from base backup + WAL archive $restored; phones acknowledged: $acked"
as_pg "$PGBIN/pg_ctl" -D "$WORK/restored" -m fast stop >/dev/null
psql "postgres://postgres@127.0.0.1:$PRIMARY_PORT/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null

say "done"
