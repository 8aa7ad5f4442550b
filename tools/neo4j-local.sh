#!/usr/bin/env bash
# A real Neo4j Community server on this machine, without Docker: tools/neo4j-local.sh start|stop|status
# (and `admin ARGS...`: neo4j-admin on the stopped server's store, e.g. `admin database import full ...`)
#
# The server, APOC core and Neo4j Browser (with intelgraph's style and guide) are resolved from Maven Central with Maven
# (checksums verified, -C) into a cache shared by every checkout, NEO4J_LOCAL_CACHE
# (default ~/.cache/intelgraph-neo4j). The server's home (config, data, logs, pid) is
# NEO4J_LOCAL_DIR (default .neo4j-local/ in this checkout). `start` picks free ports on
# 127.0.0.1 for Bolt and HTTP, turns authentication on with a generated password, waits
# until Bolt answers, and writes NEO4J_LOCAL_DIR/env (mode 0600) with NEO4J_URI, NEO4J_USER,
# NEO4J_PASSWORD and NEO4J_HTTP_URL. intelgraph never reads that file: export it yourself
# (`set -a; . .neo4j-local/env; set +a`); tools/test.sh does. See docs/neo4j.md.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
POMS="$REPO/tools/neo4j-local"
CACHE=${NEO4J_LOCAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/intelgraph-neo4j}
HOME_DIR=${NEO4J_LOCAL_DIR:-$REPO/.neo4j-local}
HEAP=${NEO4J_LOCAL_HEAP:-1g}
PAGECACHE=${NEO4J_LOCAL_PAGECACHE:-256m}
START_TIMEOUT=${NEO4J_LOCAL_START_TIMEOUT:-180}

# how resolve() lays out a cache folder: change it to make every checkout resolve again
LAYOUT="copy-dependencies, runtime scope, file names prefixed with the groupId"

die() { echo "neo4j-local: $*" >&2; exit 1; }
say() { echo "neo4j-local: $*" >&2; }

need_java() {
  command -v java >/dev/null 2>&1 ||
    die "java not found: Neo4j 5.26 needs Java 17 or 21 (Debian: apt-get install openjdk-17-jre-headless; or set PATH to a JDK's bin)"
  local v
  v=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
  case "$v" in
    17|21) ;;
    *) die "java on PATH is version ${v:-unknown}; Neo4j 5.26 runs on Java 17 or 21 (set PATH or JAVA_HOME to such a JDK)" ;;
  esac
}

need_python() {
  command -v python3 >/dev/null 2>&1 || die "python3 not found: it picks free ports and checks that Bolt answers"
}

# cache_dir NAME: where the jars of tools/neo4j-local/NAME/pom.xml are cached, CACHE/NAME-<hash of
# the pom>: checkouts with other poms (another version, a branch) keep their own copies, and a
# running server's jars are never replaced under it.
cache_dir() {
  local h
  h=$( (cat "$POMS/$1/pom.xml"; echo "$LAYOUT") | sha256sum | cut -c1-12)
  echo "$CACHE/$1-$h"
}

# resolve NAME: copy the runtime dependencies of tools/neo4j-local/NAME/pom.xml into $(cache_dir NAME),
# unless they are there already.
resolve() {
  local name=$1 pom="$POMS/$1/pom.xml" out
  out=$(cache_dir "$name")
  [ -f "$out/.complete" ] && return 0
  command -v mvn >/dev/null 2>&1 ||
    die "mvn not found, and $out is not resolved yet: install Maven 3 (Debian: apt-get install maven); it downloads Neo4j from Maven Central once"
  mkdir -p "$CACHE"
  # one resolver at a time per cache (checkouts and test runs share it); then look again
  exec 9>"$CACHE/.lock"
  flock 9
  if [ ! -f "$out/.complete" ]; then
    say "resolving $name from Maven Central into $out (once; checksums verified)"
    rm -rf "$out.part"
    if ! mvn -B -q -C -f "$pom" dependency:copy-dependencies -DincludeScope=runtime -Dmdep.prependGroupId=true \
        -DoutputDirectory="$out.part" >"$out.mvn.log" 2>&1; then
      tail -n 30 "$out.mvn.log" >&2
      die "Maven could not resolve $pom (log: $out.mvn.log); is Maven Central reachable?"
    fi
    touch "$out.part/.complete"
    rm -rf "$out"
    mv "$out.part" "$out"
  fi
  exec 9>&-
}

# The plugins folder: GDS's modules, then APOC's. It must not carry a second copy of a library
# that the server (or an earlier plugin) already has, since the plugins come first on the class
# path: the first copy is kept. Jars are named group.artifact-version.jar (two artifacts may
# share a name: org.neo4j:annotations and org.neo4j.gds:annotations).
plugin_dir() {
  local out="$HOME_DIR/plugins" jar base set server
  server=$(cache_dir server)
  rm -rf "$out"
  mkdir -p "$out"
  for set in gds plugins; do
    for jar in "$(cache_dir "$set")"/*.jar; do
      base=$(basename "$jar" | sed -E 's/-[0-9][^-]*(-[A-Za-z0-9.]+)*\.jar$//')
      if ! compgen -G "$server/$base-[0-9]*.jar" >/dev/null && ! compgen -G "$out/$base-[0-9]*.jar" >/dev/null; then
        ln -s "$jar" "$out/"
      fi
    done
  done
}

# Neo4j serves Browser from the class path's first `browser/` folder, and the plugins folder
# comes first: a copy of the Browser jar with browser/ (intelgraph.grass, guide.md) added under
# browser/intelgraph/ serves the style and guide from the same origin as Browser (no CORS, no
# second server). Made at each start, so it always carries this checkout's files.
browser_overlay() {
  local jar
  jar=$(compgen -G "$(cache_dir server)/org.neo4j.client.neo4j-browser-*.jar" | head -n 1) ||
    die "the Neo4j Browser jar is missing from $(cache_dir server)"
  python3 - "$jar" "$HOME_DIR/plugins/intelgraph-browser.jar" "$REPO/browser" <<'PY'
import shutil, sys, zipfile
from pathlib import Path
src, dst, files = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
shutil.copyfile(src, dst)
with zipfile.ZipFile(dst, "a") as z:
    for name in ("intelgraph.grass", "guide.md"):
        z.write(files / name, f"browser/intelgraph/{name}")
PY
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Does a Bolt server answer on 127.0.0.1:$1? (the Bolt handshake: magic, then four versions)
bolt_answers() {
  python3 - "$1" <<'PY'
import socket, sys
try:
    with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2) as s:
        s.sendall(bytes.fromhex("6060b017") + bytes.fromhex("00040405" "00000404" "00000000" "00000000"))
        reply = s.recv(4)
    sys.exit(0 if len(reply) == 4 and reply != b"\0\0\0\0" else 1)
except OSError:
    sys.exit(1)
PY
}

neo4j_cmd() {  # the distribution's bin/neo4j: org.neo4j.server.startup.Neo4jCommand
  NEO4J_HOME="$HOME_DIR" NEO4J_CONF="$HOME_DIR/conf" java -cp "$(cache_dir server)/*" \
    org.neo4j.server.startup.Neo4jCommand "$@"
}

neo4j_admin() {  # the distribution's bin/neo4j-admin
  NEO4J_HOME="$HOME_DIR" NEO4J_CONF="$HOME_DIR/conf" java -cp "$(cache_dir server)/*" \
    org.neo4j.server.startup.Neo4jAdminCommand "$@"
}

pid_alive() {
  local f="$HOME_DIR/run/neo4j.pid"
  [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null
}

env_value() { [ -f "$HOME_DIR/env" ] && sed -n "s/^$1=//p" "$HOME_DIR/env" | head -n 1 || true; }

write_conf() {
  local bolt=$1 http=$2
  mkdir -p "$HOME_DIR/conf" "$HOME_DIR/data" "$HOME_DIR/logs" "$HOME_DIR/run" "$HOME_DIR/import"
  cat >"$HOME_DIR/conf/neo4j.conf" <<EOF
# Written by tools/neo4j-local.sh at each start; edits are lost.
server.directories.lib=$(cache_dir server)
server.directories.plugins=$HOME_DIR/plugins
server.directories.data=$HOME_DIR/data
server.directories.logs=$HOME_DIR/logs
server.directories.run=$HOME_DIR/run
server.directories.import=$HOME_DIR/import
server.default_listen_address=127.0.0.1
server.default_advertised_address=127.0.0.1
server.bolt.enabled=true
server.bolt.listen_address=127.0.0.1:$bolt
server.bolt.advertised_address=127.0.0.1:$bolt
server.http.enabled=true
server.http.listen_address=127.0.0.1:$http
server.http.advertised_address=127.0.0.1:$http
server.https.enabled=false
dbms.security.auth_enabled=true
server.memory.heap.initial_size=$HEAP
server.memory.heap.max_size=$HEAP
server.memory.pagecache.size=$PAGECACHE
dbms.memory.transaction.total.max=512m
dbms.security.procedures.unrestricted=apoc.*,gds.*
dbms.usage_report.enabled=false
browser.post_connect_cmd=style http://127.0.0.1:$http/browser/intelgraph/intelgraph.grass; guide http://127.0.0.1:$http/browser/intelgraph/guide.md
browser.remote_content_hostname_whitelist=127.0.0.1
server.jvm.additional=-XX:+UseG1GC
server.jvm.additional=-XX:-OmitStackTraceInFastThrow
server.jvm.additional=-XX:+DisableExplicitGC
server.jvm.additional=-Djdk.tls.ephemeralDHKeySize=2048
server.jvm.additional=-Djdk.tls.rejectClientInitiatedRenegotiation=true
server.jvm.additional=-XX:FlightRecorderOptions=stackdepth=256
server.jvm.additional=-XX:+UnlockDiagnosticVMOptions
server.jvm.additional=-XX:+DebugNonSafepoints
server.jvm.additional=--add-opens=java.base/java.nio=ALL-UNNAMED
server.jvm.additional=--add-opens=java.base/java.io=ALL-UNNAMED
server.jvm.additional=--add-opens=java.base/sun.nio.ch=ALL-UNNAMED
server.jvm.additional=--enable-native-access=ALL-UNNAMED
server.jvm.additional=-Dlog4j2.disable.jmx=true
server.jvm.additional=-Dlog4j.layout.jsonTemplate.maxStringLength=32768
EOF
}

cmd_start() {
  need_java
  need_python
  if pid_alive && [ -f "$HOME_DIR/env" ] && bolt_answers "$(env_value NEO4J_URI | sed 's/.*://')"; then
    say "already running: $(env_value NEO4J_URI) (env: $HOME_DIR/env)"
    return 0
  fi
  if pid_alive; then
    say "a server from an earlier start is running but not answering; stopping it first"
    cmd_stop
  fi
  resolve server
  resolve plugins
  resolve gds
  umask 077
  mkdir -p "$HOME_DIR"
  chmod 700 "$HOME_DIR"
  plugin_dir
  browser_overlay
  local bolt http password user=neo4j
  bolt=$(free_port)
  http=$(free_port)
  while [ "$http" = "$bolt" ]; do http=$(free_port); done
  write_conf "$bolt" "$http"
  # The password lives beside the store it opens (HOME_DIR/password, 0600), so the graph
  # survives stop and start; env is rewritten at each start (the ports change).
  password=$(cat "$HOME_DIR/password" 2>/dev/null || true)
  if [ -z "$password" ] || [ ! -d "$HOME_DIR/data/databases/system" ]; then
    # a new store: the initial password only takes effect before the first start
    rm -rf "$HOME_DIR/data"
    mkdir -p "$HOME_DIR/data"
    password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')
    neo4j_admin dbms set-initial-password "$password" >"$HOME_DIR/logs/set-initial-password.log" 2>&1 ||
      { cat "$HOME_DIR/logs/set-initial-password.log" >&2; die "could not set the initial password"; }
    printf '%s\n' "$password" >"$HOME_DIR/password"
  fi
  {
    echo "# Written by tools/neo4j-local.sh start; valid while that server runs."
    echo "NEO4J_URI=bolt://127.0.0.1:$bolt"
    echo "NEO4J_USER=$user"
    echo "NEO4J_PASSWORD=$password"
    echo "NEO4J_HTTP_URL=http://127.0.0.1:$http"
  } >"$HOME_DIR/env.part"
  chmod 600 "$HOME_DIR/env.part"
  mv "$HOME_DIR/env.part" "$HOME_DIR/env"
  neo4j_cmd start >"$HOME_DIR/logs/start.log" 2>&1 ||
    { cat "$HOME_DIR/logs/start.log" >&2; die "the server did not start (logs: $HOME_DIR/logs)"; }
  local waited=0
  until bolt_answers "$bolt"; do
    if ! pid_alive; then
      tail -n 40 "$HOME_DIR/logs/neo4j.log" >&2 2>/dev/null || true
      die "the server exited during start (logs: $HOME_DIR/logs/neo4j.log, debug.log)"
    fi
    if [ "$waited" -ge "$START_TIMEOUT" ]; then
      tail -n 40 "$HOME_DIR/logs/neo4j.log" >&2 2>/dev/null || true
      cmd_stop
      die "Bolt did not answer on 127.0.0.1:$bolt within ${START_TIMEOUT}s (NEO4J_LOCAL_START_TIMEOUT)"
    fi
    sleep 1
    waited=$((waited + 1))
  done
  say "Neo4j $(neo4j_version) is up: bolt://127.0.0.1:$bolt, http://127.0.0.1:$http (credentials in $HOME_DIR/env)"
}

# neo4j-admin on this home's store, which must be offline (`admin database import full ...`). The
# store (and its password) must exist: a first start makes them, and would replace an import
# made before it.
cmd_admin() {
  need_java
  pid_alive && die "the server is running (pid $(cat "$HOME_DIR/run/neo4j.pid")): stop it first; neo4j-admin needs the database offline"
  [ -s "$HOME_DIR/password" ] && [ -d "$HOME_DIR/data/databases/system" ] ||
    die "no store in $HOME_DIR yet: start and stop the server once first (that creates it and its password)"
  resolve server
  neo4j_admin "$@"
}

neo4j_version() { sed -n 's/.*<neo4j.version>\(.*\)<\/neo4j.version>.*/\1/p' "$POMS/server/pom.xml"; }

cmd_stop() {
  if [ ! -f "$HOME_DIR/run/neo4j.pid" ]; then
    say "not running"
    return 0
  fi
  local pid
  pid=$(cat "$HOME_DIR/run/neo4j.pid")
  if kill -0 "$pid" 2>/dev/null; then
    need_java
    neo4j_cmd stop >"$HOME_DIR/logs/stop.log" 2>&1 || true
    local waited=0
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 120 ]; do sleep 1; waited=$((waited + 1)); done
    if kill -0 "$pid" 2>/dev/null; then
      say "the server (pid $pid) did not stop in 120s; killing it"
      kill -9 "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$HOME_DIR/run/neo4j.pid" "$HOME_DIR/env"
  say "stopped"
}

cmd_status() {
  if pid_alive; then
    local uri
    uri=$(env_value NEO4J_URI)
    if [ -n "$uri" ] && bolt_answers "${uri##*:}"; then
      echo "running: pid $(cat "$HOME_DIR/run/neo4j.pid"), $uri, $(env_value NEO4J_HTTP_URL); env: $HOME_DIR/env"
      return 0
    fi
    echo "running (pid $(cat "$HOME_DIR/run/neo4j.pid")) but Bolt does not answer; logs: $HOME_DIR/logs"
    return 1
  fi
  echo "not running"
  return 3
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  admin) shift; cmd_admin "$@" ;;
  *) echo "usage: $0 start|stop|status|admin NEO4J-ADMIN-ARGS..." >&2; exit 2 ;;
esac
