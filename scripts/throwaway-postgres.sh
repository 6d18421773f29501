#!/usr/bin/env bash
# A disposable PostgreSQL cluster for tests and benchmarks.
#   scripts/throwaway-postgres.sh start   -> prints "DIR URL" on stdout
#   scripts/throwaway-postgres.sh stop DIR
# Finds PostgreSQL 15 (or any installed major) under /usr/lib/postgresql, installs it from Debian
# when missing and we are root, and runs the server as the postgres user when we are root.
set -euo pipefail
# runuser and the like live in sbin, which a minimal environment (cron, env -i) leaves off PATH.
PATH="$PATH:/usr/sbin:/sbin"

find_bin() {
  local dir
  for dir in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
  return 1
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

case "${1:-}" in
  start)
    if ! bin=$(find_bin); then
      if [ "$(id -u)" = 0 ]; then
        echo "installing PostgreSQL from Debian's packages" >&2
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) >&2
        bin=$(find_bin)
      else
        echo "PostgreSQL is not installed (looked in /usr/lib/postgresql/*/bin)" >&2; exit 1
      fi
    fi
    dir=$(mktemp -d /tmp/sync-tokens-pg.XXXXXX)
    chmod 755 "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    port=$(free_port)
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale >/dev/null
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
    echo "$dir postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    dir="${2:?usage: $0 stop DIR}"
    bin=$(find_bin)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
