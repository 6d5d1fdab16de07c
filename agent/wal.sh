#!/bin/bash
# PostgreSQL's archive_command (and restore_command): hands one WAL file to the agent, which holds the
# object store's credentials and client, and waits for its answer. The request and the answer are files
# in the shared /run/pgha emptyDir (agent/README.md, "WAL protocol"); the agent reads the segment itself
# from the data volume it mounts read-only.
#   wal.sh archive <%p> <%f>   exit 0 only once the object is stored
#   wal.sh restore <%p> <%f>   exit 0 once the file is at %p; 1 when the store has no such file
# Any failure exits non-zero: PostgreSQL keeps the segment (.ready) and calls again, so no WAL is lost.
set -u
verb=$1 path=$2 name=$3
: "${PGHA_RUN_DIR:?PGHA_RUN_DIR must be set}"
dir=$PGHA_RUN_DIR/wal
# Longer than one upload of a 16 MiB segment on a slow link; PostgreSQL retries after a failure anyway.
limit_seconds=${PGHA_WAL_TIMEOUT_SECONDS:-120}
request=$dir/$name.$verb
answer=$request.answer
mkdir -p "$dir"
rm -f "$answer"
# Written under a temporary name and renamed, so the agent never reads half a request.
printf '%s\n' "$path" >"$request.tmp" && mv -f "$request.tmp" "$request"
deadline=$((EPOCHSECONDS + limit_seconds))
until [ -e "$answer" ]; do
  # PostgreSQL stopped (its archiver or startup process is gone): nobody waits for the answer any more.
  if ! kill -0 "$PPID" 2>/dev/null; then
    rm -f "$request"
    exit 1
  fi
  if [ "$EPOCHSECONDS" -ge "$deadline" ]; then
    rm -f "$request"
    echo "wal.sh $verb $name: the agent did not answer within ${limit_seconds}s" >&2
    exit 1
  fi
  sleep 0.02
done
read -r reply data <"$answer"
rm -f "$answer"
case $reply in
ok)
  if [ "$verb" = restore ]; then
    # The agent left the file in the shared /tmp (the run folder is small memory); copied into place
    # under a temporary name, so PostgreSQL never reads a partial file.
    cp "$data" "$path.pgha-tmp" && mv -f "$path.pgha-tmp" "$path" || { rm -f "$data" "$path.pgha-tmp"; exit 1; }
    rm -f "$data"
  fi
  exit 0
  ;;
missing) exit 1 ;; # restore: not in the store (the end of the archive, or a history file that never was)
*)
  echo "wal.sh $verb $name: $reply" >&2
  exit 1
  ;;
esac
