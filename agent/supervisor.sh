#!/bin/bash
# The postgres container's entrypoint. It owns the postmaster and runs what needs PostgreSQL's binaries
# (initdb, pg_basebackup, pg_rewind, pg_ctl promote, tar for a restore) when the failover agent in the other container asks,
# through a FIFO in the shared /run/pgha emptyDir. It decides nothing about roles, with one exception that
# cannot wait for the agent: a primary whose agent stopped renewing the heartbeat (crashed, hung, or cut
# off from the Kubernetes API) is stopped with an immediate shutdown before another member may take over.
# It never exits while the pod lives, so restarting PostgreSQL costs no kubelet back-off.
# The protocol is documented in agent/README.md ("Supervisor protocol").
set -uf # no globbing: arguments from the FIFO are plain tokens
: "${PGDATA:?PGDATA must be set}" "${PGHA_RUN_DIR:?PGHA_RUN_DIR must be set}" "${PGHA_CONFIG_FILE:?PGHA_CONFIG_FILE must be set}"

run_dir=$PGHA_RUN_DIR
fifo=$run_dir/cmd
state_file=$run_dir/supervisor.json
results_dir=$run_dir/results
heartbeat_file=$run_dir/heartbeat
uptime_file=${PGHA_UPTIME_FILE:-/proc/uptime} # tests point it at a file of their own
socket_dir=$run_dir/socket
tls_reload_flag=$run_dir/tls/reload
backup_dir=$run_dir/backup
# With TLS on, the construct sets PGHA_TLS_CA_FILE: pg_basebackup and pg_rewind then verify the primary's
# certificate and host name against the cluster's CA, as the walreceiver does (agent/tls/server-tls.ts).
tls_env=()
[ -n "${PGHA_TLS_CA_FILE:-}" ] && tls_env=(PGSSLMODE=verify-full "PGSSLROOTCERT=$PGHA_TLS_CA_FILE")
# How often the loop looks at the heartbeat and the postmaster while no command arrives. The agent's renew
# deadline leaves seconds of margin before another member may take the lease; 100 ms costs nothing.
poll_seconds=${PGHA_SUPERVISOR_POLL_SECONDS:-0.1} # tests shorten it to stress the command framing
stop_timeout_seconds=60

boot="${RANDOM}${RANDOM}-${EPOCHSECONDS}"
# The major version of this image's binaries ("postgres (PostgreSQL) 17.2 (Debian …)" → 17), compared with
# the data directory's PG_VERSION before every start: newer binaries must never run on older data (a
# changed `version` rolls the pods like any template change; the first member replaced refuses here).
binaries_major=$(postgres -V 2>/dev/null)
binaries_major=${binaries_major#*(PostgreSQL) }
binaries_major=${binaries_major%%[!0-9]*}
seq=0
pg_pid=0
pg_status=stopped # stopped | running | exited | fenced
pg_mode=none      # none | primary | standby
cmd_id='' cmd_verb='' cmd_status='' cmd_message=''
terminating=0
alive=true # false in the last state written before the supervisor exits
# The kernel's count of processes its OOM killer ended in this container's memory cgroup (v1, or v2's
# memory.events); -1 where neither can be read. A backend killed that way only makes the postmaster
# restart its children (crash recovery, same postmaster), which nothing else would report.
oom_kills=-1
cgroup_dir=${PGHA_CGROUP_DIR:-/sys/fs/cgroup} # tests point it at a folder of their own
# Postmaster exits nobody asked for (a crash, the OOM killer, kill -9) and the last one's exit status: the
# agent starts PostgreSQL again, which leaves no other trace, so it posts each as an Event.
pg_exits=0
pg_last_exit=0
oom_files=("$cgroup_dir/memory/memory.oom_control" "$cgroup_dir/memory.events")

log() { echo "supervisor: $*"; }

# Sets $json to $1 escaped for a JSON string (no subshell: the state is written on every command).
json_string() {
  json=${1//\\/\\\\}
  json=${json//\"/\\\"}
  json=${json//$'\n'/ }
  json=${json//$'\r'/ }
  json=${json//$'\t'/ }
}

write_state() {
  seq=$((seq + 1))
  local id message
  json_string "$cmd_id"
  id=$json
  json_string "$cmd_message"
  message=$json
  printf '{"boot":"%s","seq":%d,"alive":%s,"major":"%s","oomKills":%d,"postgres":{"status":"%s","mode":"%s","pid":%d,"exits":%d,"lastExit":%d},"command":{"id":"%s","verb":"%s","status":"%s","message":"%s"}}\n' \
    "$boot" "$seq" "$alive" "$binaries_major" "$oom_kills" "$pg_status" "$pg_mode" "$pg_pid" "$pg_exits" "$pg_last_exit" "$id" "$cmd_verb" "$cmd_status" "$message" >"$state_file.tmp" &&
    mv -f "$state_file.tmp" "$state_file"
}

# The wall clock, in ms.
now_ms() { now=${EPOCHREALTIME/./}; now=$((now / 1000)); }
# The boot clock the agent writes its heartbeat in (agent/postgres/boot-clock.ts), in ms: it never steps.
boot_ms() {
  local uptime _
  read -r uptime _ <"$uptime_file"
  now=$(( ${uptime%.*} * 1000 + 10#${uptime#*.} * 10 ))
}

postgres_alive() { [ "$pg_pid" -gt 0 ] && kill -0 "$pg_pid" 2>/dev/null; }

# Reads the OOM kill count into $count (no subshell: it runs on every pass of the loop).
read_oom_kills() {
  local file key value
  for file in "${oom_files[@]}"; do
    [ -r "$file" ] || continue
    while read -r key value; do
      [ "$key" = oom_kill ] && { count=$value; return; }
    done <"$file"
  done
  count=-1
}

# Reports a rise of the OOM kill count in the state (the agent posts an Event) and the container log.
check_oom() {
  local count
  read_oom_kills
  [ "$count" = "$oom_kills" ] && return
  [ "$oom_kills" -ge 0 ] && [ "$count" -gt "$oom_kills" ] && log "the kernel's OOM killer ended $((count - oom_kills)) process(es) of this container ($count so far)"
  oom_kills=$count
  write_state
}

# Notices a postmaster that died without being asked (crash, OOM kill, kill -9 of the postmaster).
check_postgres() {
  if [ "$pg_status" = running ] && ! postgres_alive; then
    wait "$pg_pid" 2>/dev/null
    pg_last_exit=$?
    pg_exits=$((pg_exits + 1))
    log "postgres (pid $pg_pid, $pg_mode) exited with status $pg_last_exit"
    pg_status=exited
    pg_pid=0
    write_state
  fi
}

# Signals the postmaster (INT = fast shutdown, QUIT = immediate) and waits until it is gone.
stop_postgres() {
  local signal=$1 waited=0
  postgres_alive || { pg_pid=0; return 0; }
  kill "-$signal" "$pg_pid" 2>/dev/null
  while postgres_alive; do
    sleep 0.05
    waited=$((waited + 1))
    if [ "$waited" -eq $((stop_timeout_seconds * 20)) ]; then
      log "postgres did not stop within ${stop_timeout_seconds}s after SIG$signal; sending SIGQUIT"
      kill -QUIT "$pg_pid" 2>/dev/null
    fi
  done
  wait "$pg_pid" 2>/dev/null
  pg_pid=0
}

# The agent touches the flag after it replaced the TLS files (a renewal, a rotated Secret). A SIGHUP makes
# PostgreSQL load them without a restart, in any role; an invalid pair leaves the old one in use.
check_tls_reload() {
  [ -e "$tls_reload_flag" ] || return 0
  rm -f "$tls_reload_flag"
  if postgres_alive && kill -HUP "$pg_pid" 2>/dev/null; then log "TLS files changed: configuration reloaded"; fi
}

check_heartbeat() {
  [ "$pg_mode" = primary ] && [ "$pg_status" = running ] || return 0
  local deadline=0 clock=''
  # `boot <ms>`: the boot clock; a bare number: wall-clock epoch ms, from an agent older than this script
  # (a pod between two revisions); anything else: no deadline, fence.
  [ -r "$heartbeat_file" ] && read -r clock deadline <"$heartbeat_file"
  if [ "$clock" = boot ]; then
    boot_ms
  else
    deadline=$clock
    now_ms
  fi
  [[ $deadline =~ ^[0-9]+$ ]] || deadline=0
  if [ "$now" -gt "$deadline" ]; then
    log "fencing: heartbeat deadline $deadline passed at $now (agent silent); immediate shutdown"
    stop_postgres QUIT
    pg_status=fenced
    write_state
  fi
}

start_postgres() {
  local mode=$1 waited=0
  if postgres_alive; then
    fail "postgres is already running as $pg_mode"
    return
  fi
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    fail "no data directory at $PGDATA"
    return
  fi
  local data_major
  read -r data_major <"$PGDATA/PG_VERSION"
  if [ -n "$binaries_major" ] && [ "$data_major" != "$binaries_major" ]; then
    fail "refusing to start: the data directory is PostgreSQL $data_major, these binaries are PostgreSQL $binaries_major"
    return
  fi
  if [ "$mode" = standby ]; then : >"$PGDATA/standby.signal"; else rm -f "$PGDATA/standby.signal"; fi
  # A postmaster.pid left by a container that was killed would make postgres refuse to start; nothing
  # else can be running on this data (the pod's containers share one volume; we started the last one).
  rm -f "$PGDATA/postmaster.pid"
  postgres -D "$PGDATA" -c config_file="$PGHA_CONFIG_FILE" &
  pg_pid=$!
  pg_mode=$mode
  pg_status=running
  # Returns once the postmaster has written its pid file, so the agent's loop is not blocked by crash
  # recovery; the agent watches readiness itself.
  while [ ! -s "$PGDATA/postmaster.pid" ]; do
    if ! postgres_alive; then
      wait "$pg_pid" 2>/dev/null
      pg_pid=0
      pg_status=exited
      fail "postgres exited during start-up (see the container log)"
      return
    fi
    sleep 0.02
    waited=$((waited + 1))
    [ "$waited" -lt 1500 ] || break
  done
  ok "postgres started as $mode (pid $pg_pid)"
}

ok() { cmd_status=ok; cmd_message=$1; log "$cmd_verb: $1"; }
fail() { cmd_status=failed; cmd_message=$1; log "$cmd_verb failed: $1"; }

# Runs a PostgreSQL tool, logging its output, and keeps its last line as the command's message.
run_tool() {
  local output status
  output=$("$@" 2>&1)
  status=$?
  [ -n "$output" ] && printf '%s\n' "$output" | sed 's/^/supervisor:   /'
  tool_message=$(printf '%s' "$output" | tail -n 1)
  return $status
}

do_init() {
  if [ -s "$PGDATA/PG_VERSION" ] && [ -s "$PGDATA/global/pg_control" ]; then
    fail "refusing to initdb: $PGDATA already holds a cluster"
    return
  fi
  # A partial folder is what a pod killed in the middle of initdb leaves; the agent only sends init
  # while the lease records no cluster yet, so there is nothing to keep.
  rm -rf "$PGDATA"
  mkdir -p -m 0700 "$PGDATA"
  if run_tool initdb -D "$PGDATA" --username=postgres --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 --data-checksums; then
    ok "initdb done"
  else
    fail "initdb failed: $tool_message"
  fi
}

do_clone() {
  local host=$1 port=$2 tmp=$PGDATA.clone
  if postgres_alive; then
    fail "stop postgres before cloning"
    return
  fi
  rm -rf "$tmp"
  if run_tool env PGPASSFILE="$run_dir/pgpass" "${tls_env[@]}" pg_basebackup --host="$host" --port="$port" \
    --username=replicator --no-password --pgdata="$tmp" --wal-method=stream --checkpoint=fast; then
    : >"$tmp/standby.signal"
    rm -rf "$PGDATA"
    mv "$tmp" "$PGDATA"
    chmod 0700 "$PGDATA"
    ok "cloned from $host:$port"
  else
    rm -rf "$tmp"
    fail "pg_basebackup from $host:$port failed: $tool_message"
  fi
}

do_rewind() {
  local host=$1 port=$2
  if postgres_alive; then
    fail "stop postgres before pg_rewind"
    return
  fi
  rm -f "$PGDATA/postmaster.pid"
  if run_tool env "${tls_env[@]}" pg_rewind --target-pgdata="$PGDATA" \
    --source-server="host=$host port=$port user=postgres dbname=postgres passfile=$run_dir/pgpass connect_timeout=5"; then
    : >"$PGDATA/standby.signal"
    ok "rewound from $host:$port: $tool_message"
  else
    fail "pg_rewind from $host:$port failed: $tool_message"
  fi
}

# A base backup runs in the background: it can take hours, and the loop must keep answering commands and
# enforcing the heartbeat meanwhile. pg_basebackup writes the tar to stdout (PostgreSQL then appends the
# backup manifest to it as a last entry) into a FIFO the agent reads and uploads; nothing lands on disk.
# Its exit status and messages are left in backup/<id>.exit and backup/<id>.log for the agent.
backup_pid=0
do_base_backup() {
  local id=$1 fifo=$backup_dir/$1.tar
  if [ "$backup_pid" -gt 0 ] && kill -0 "$backup_pid" 2>/dev/null; then
    fail "a base backup is already running (pid $backup_pid)"
    return
  fi
  mkdir -p "$backup_dir"
  rm -f "$fifo" "$backup_dir/$id.exit" "$backup_dir/$id.log" "$backup_dir/$id.pid"
  if ! mkfifo -m 0600 "$fifo"; then
    fail "cannot create $fifo"
    return
  fi
  (
    # The open of the FIFO blocks until the agent opens its end; the agent closing it early (an upload
    # that failed) ends pg_basebackup with a broken pipe at its next write.
    pg_basebackup --host="$socket_dir" --username=postgres --no-password --pgdata=- --format=tar \
      --wal-method=none --manifest-checksums SHA256 --checkpoint=fast --label="pgha $id" \
      >"$fifo" 2>"$backup_dir/$id.log" &
    echo $! >"$backup_dir/$id.pid"
    wait $!
    echo $? >"$backup_dir/$id.exit.tmp" && mv -f "$backup_dir/$id.exit.tmp" "$backup_dir/$id.exit"
    rm -f "$fifo" "$backup_dir/$id.pid"
  ) &
  backup_pid=$!
  ok "base backup $id started"
}

# Stops a running base backup (the agent gave up on it: the store failed, or it is stepping down).
do_base_backup_cancel() {
  local id=$1 pid=''
  [ -r "$backup_dir/$id.pid" ] && read -r pid <"$backup_dir/$id.pid"
  if [[ $pid =~ ^[0-9]+$ ]] && kill -TERM "$pid" 2>/dev/null; then ok "base backup $id cancelled"; else ok "base backup $id is not running"; fi
}

# A restore from the object store (agent/backup/restore.ts), in two steps so nothing half-made reaches
# PGDATA: `unpack` extracts a base backup's tar (gunzipped when <archive> ends in .gz: base.tar.gz;
# through zstd -d when it ends in .zst: base.tar.zst; as it is otherwise: base.tar) into a fresh folder
# beside PGDATA while the agent streams it from the store into <archive> (a FIFO on the shared /tmp: the
# backup is never held in memory nor stored twice), and `install-restore`, sent once the agent checked the stream's SHA-256 against backup.json, swaps the
# folder in with recovery.signal set.
do_unpack() {
  local archive=$1 tmp=$PGDATA.restore
  local -a decompress=()
  if [[ $archive == *.gz ]]; then decompress=(-z); fi
  # zstd is decompressed here, by the postgres image's zstd program, as gzip is by its gzip: the agent
  # streams every kind into the FIFO untouched (its Node.js needs no zstd to restore one), and the
  # decompression runs on this container's CPU, beside the tar it feeds. The official postgres images
  # and e2e/images/postgres.sh carry zstd; an image without it gets this message, not tar's.
  if [[ $archive == *.zst ]]; then
    if ! command -v zstd >/dev/null 2>&1; then
      fail "unpacking $archive needs the zstd program, which this postgres image does not have (PATH=$PATH)"
      return
    fi
    decompress=(--zstd)
  fi
  if postgres_alive; then
    fail "stop postgres before unpacking a backup"
    return
  fi
  rm -rf "$tmp"
  mkdir -p -m 0700 "$tmp"
  # -B: the FIFO gives what the agent last wrote, often less than a 10 KiB record; without it tar stops
  # at such a short read ("Unaligned block"). With -z or --zstd, the program's output pipe is read whole anyway.
  if run_tool tar -x -B "${decompress[@]}" -f "$archive" -C "$tmp"; then
    ok "unpacked $archive"
  else
    rm -rf "$tmp"
    fail "unpacking $archive failed: $tool_message"
  fi
}

do_install_restore() {
  local tmp=$PGDATA.restore
  if postgres_alive; then
    fail "stop postgres before installing a restored backup"
    return
  fi
  if [ ! -s "$tmp/PG_VERSION" ] || [ ! -s "$tmp/global/pg_control" ]; then
    fail "no unpacked backup at $tmp"
    return
  fi
  # pg_basebackup -X none leaves pg_wal empty; recovery fetches every segment through restore_command.
  mkdir -p -m 0700 "$tmp/pg_wal/archive_status"
  rm -f "$tmp/standby.signal" "$tmp/postmaster.pid"
  : >"$tmp/recovery.signal"
  rm -rf "$PGDATA"
  mv "$tmp" "$PGDATA"
  chmod 0700 "$PGDATA"
  ok "restored backup installed (recovery.signal set)"
}

handle() {
  local id=$1 verb=${2:-} arg1=${3:-} arg2=${4:-}
  # The id names the result file: nothing but letters, digits and dashes.
  if [[ ! $id =~ ^[A-Za-z0-9-]+$ ]]; then
    log "ignoring a command with an invalid id: $id"
    return
  fi
  cmd_id=$id cmd_verb=$verb cmd_status=running cmd_message=''
  write_state
  case "$verb" in
    init) do_init ;;
    start-primary) start_postgres primary ;;
    start-standby) start_postgres standby ;;
    promote)
      if ! postgres_alive; then
        fail "postgres is not running"
      elif run_tool pg_ctl promote -D "$PGDATA" -W; then
        pg_mode=primary
        ok "promotion requested"
      else
        fail "pg_ctl promote failed: $tool_message"
      fi
      ;;
    stop)
      case "$arg1" in
        fast) stop_postgres INT ;;
        immediate) stop_postgres QUIT ;;
        *) fail "stop takes fast or immediate, got '$arg1'" ;;
      esac
      if [ "$cmd_status" = running ]; then
        pg_status=stopped
        ok "postgres stopped ($arg1)"
      fi
      ;;
    reload)
      if postgres_alive && kill -HUP "$pg_pid"; then ok "configuration reloaded"; else fail "postgres is not running"; fi
      ;;
    clone) do_clone "$arg1" "$arg2" ;;
    rewind) do_rewind "$arg1" "$arg2" ;;
    base-backup | base-backup-cancel)
      if [[ ! $arg1 =~ ^[A-Za-z0-9-]+$ ]]; then
        fail "$verb takes a backup id of letters, digits and dashes, got '$arg1'"
      elif [ "$verb" = base-backup ]; then
        do_base_backup "$arg1"
      else
        do_base_backup_cancel "$arg1"
      fi
      ;;
    unpack) do_unpack "$arg1" ;;
    install-restore) do_install_restore ;;
    *) fail "unknown command '$verb'" ;;
  esac
  write_state
  # Each answer also goes to a file of its own: supervisor.json only shows the latest command, which a
  # client polling for an earlier one could miss.
  printf '%s\n%s\n' "$cmd_status" "$cmd_message" >"$results_dir/$id.tmp" && mv -f "$results_dir/$id.tmp" "$results_dir/$id"
}

on_term() {
  log "SIGTERM: stopping postgres (fast shutdown)"
  stop_postgres INT
  pg_status=stopped
  alive=false
  write_state
  exit 0
}

# Answers to an earlier supervisor's commands: nobody waits for them any more.
rm -rf "$results_dir"
mkdir -p "$run_dir" "$socket_dir" "$results_dir"
chmod 0700 "$socket_dir"
[ -p "$fifo" ] || { rm -f "$fifo"; mkfifo -m 0600 "$fifo"; }
# Opened read-write so that reads never see end-of-file when no agent has the FIFO open.
exec 3<>"$fifo"
trap 'terminating=1' TERM INT
log "ready (boot $boot, PGDATA $PGDATA)"
write_state

while :; do
  [ "$terminating" -eq 1 ] && on_term
  # Wait for the first character of a command, then read the rest of its line without a timeout: the
  # agent writes each line in one write(), so it is all there. A timeout inside a line read can drop
  # characters (read strips the partial input it returns), which ran commands under truncated ids.
  first=''
  if read -r -N 1 -t "$poll_seconds" -u 3 first || [ -n "$first" ]; then
    rest=''
    [ "$first" = $'\n' ] || IFS= read -r -u 3 rest
    line=${first%$'\n'}$rest
    [ -n "$line" ] && handle $line
  fi
  check_postgres
  check_oom
  check_heartbeat
  check_tls_reload
done
