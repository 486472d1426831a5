#!/usr/bin/env bash
# Serve the app to a room: N `streamlit run serve.py` workers (the app and the room's long
# poll) on loopback ports behind nginx, each browser kept on one worker (a cookie), browsers
# spread over the workers.
#
#   bash scripts/serve-room.sh --workers 2 --port 8501                    # this machine
#   bash scripts/serve-room.sh --workers 2 --port 8501 --address 0.0.0.0  # the room's LAN
#   bash scripts/serve-room.sh --workers 2 --port 8501 -- --server.maxUploadSize 50
#   bash scripts/serve-room.sh --workers 2 --address 0.0.0.0 --remote 192.168.1.12:8501 --redis
#   bash scripts/serve-room.sh --workers 2 --logs /tmp/room-logs   # logs kept after a clean stop
#
# Options: --workers N (default: the number of cores), --port P (default 8501), --address A
# (default 127.0.0.1; 0.0.0.0 for every interface), --remote HOST:PORT (repeatable: a worker
# on another machine, started there by hand, that joins the same upstream), --app DIR (the
# app's folder, default this repository), --store URL (where rooms live: a SQLite file, the
# default being one in the temporary folder, or redis://HOST:PORT/0), --redis (start Debian's
# redis-server for the rooms, for workers on several machines), --script FILE (what each
# worker runs: serve.py, or app.py for followers polling through Streamlit as before), --logs
# DIR (the workers', nginx's and redis's logs there, kept after a clean stop; by default in
# the temporary folder, kept only when something failed), and after `--` options for every
# `streamlit run`.
# Runs in the foreground, polls every worker's /_stcore/health (and restarts one whose
# process exited), and on Ctrl-C or SIGTERM stops everything it started. Needs nginx
# (Debian's package; installed with apt-get when missing and run as root). nginx runs
# with a config generated from scripts/nginx-room.conf.template in a temporary folder
# (pid, logs and temp files there too); nothing under /etc is read or changed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
WORKERS=$(nproc 2>/dev/null || echo 2)
PORT=8501
ADDRESS=127.0.0.1
APP=$ROOT
COOKIE=stroom
SCRIPT=serve.py
EXTRA=()
REMOTES=()
STORE=${MOMENTUM_ROOM_STORE:-}
REDIS=""
LOGS=""

usage() { sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "serve-room: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
    case $1 in
        --workers) WORKERS=${2:?}; shift 2 ;;
        --port) PORT=${2:?}; shift 2 ;;
        --address) ADDRESS=${2:?}; shift 2 ;;
        --remote) REMOTES+=("${2:?}"); shift 2 ;;
        --app) APP=$(cd "${2:?}" && pwd); shift 2 ;;
        --script) SCRIPT=${2:?}; shift 2 ;;
        --store) STORE=${2:?}; shift 2 ;;
        --redis) REDIS=1; shift ;;
        --logs) mkdir -p "${2:?}" && LOGS=$(cd "$2" && pwd); shift 2 ;;  # absolute: nginx's too
        -h|--help) usage; exit 0 ;;
        --) shift; EXTRA=("$@"); break ;;
        *) usage >&2; die "unknown option $1" ;;
    esac
done
[[ $WORKERS =~ ^[0-9]+$ ]] || die "--workers wants a whole number, got $WORKERS"
[ "$WORKERS" -gt 0 ] || [ ${#REMOTES[@]} -gt 0 ] || die "--workers 0 needs at least one --remote"
for remote in ${REMOTES[@]+"${REMOTES[@]}"}; do
    [[ $remote =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}:[0-9]+$ ]] || die "--remote wants IPv4:PORT, got $remote"
done
if ! [[ $PORT =~ ^[0-9]+$ ]] || [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65535 ]; then
    die "--port wants 1..65535, got $PORT"
fi
[[ $ADDRESS =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]] || die "--address wants an IPv4 address"
[ -f "$APP/app.py" ] || die "no app.py in $APP"
[ -f "$APP/$SCRIPT" ] || SCRIPT=app.py  # an app without serve.py: followers poll through Streamlit

# Python: the repository's virtualenv if there is one.
if [ -x "$APP/.venv/bin/python" ]; then PY=$APP/.venv/bin/python
elif [ -x "$ROOT/.venv/bin/python" ]; then PY=$ROOT/.venv/bin/python
else PY=$(command -v python3) || die "no python3"
fi
"$PY" -c "import streamlit" 2>/dev/null ||
    die "$PY has no streamlit: run 'python3 -m venv .venv && .venv/bin/pip install -r requirements.txt'"

# nginx: Debian's package. apt-get needs root; otherwise say what to do.
NGINX=$(command -v nginx || true)
[ -z "$NGINX" ] && [ -x /usr/sbin/nginx ] && NGINX=/usr/sbin/nginx
if [ -z "$NGINX" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "Installing nginx (Debian's package)..."
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
        NGINX=/usr/sbin/nginx
        echo "(Where systemd runs, the package also starts a system nginx on port 80;"
        echo " this room does not use it: 'sudo systemctl disable --now nginx' stops it.)"
    else
        echo "serve-room: nginx is not installed." >&2
        echo "  Debian/Ubuntu: sudo apt-get install nginx   (macOS: brew install nginx)" >&2
        echo "  then run this again (as yourself: no root needed to serve on a port >= 1024)." >&2
        exit 1
    fi
fi

# Whether something accepts connections on host $1, port $2 (bash's /dev/tcp: no curl needed).
port_busy() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
PROBE=$ADDRESS
[ "$ADDRESS" = 0.0.0.0 ] && PROBE=127.0.0.1
port_busy "$PROBE" "$PORT" && die "port $PORT is taken (something listens on it)"

# Worker ports: free loopback ports, asked of the system all at once (so they differ).
WPORTS=()
[ "$WORKERS" -gt 0 ] && read -r -a WPORTS <<<"$("$PY" - "$WORKERS" <<'EOF'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/serve-room.XXXXXX")
LOGS=${LOGS:-$TMP/logs}  # --logs: outside $TMP, so kept
mkdir -p "$LOGS"
# nginx's workers run as nobody when nginx starts as root: they must reach their temp dirs.
chmod 755 "$TMP" "$LOGS"

PIDS=()       # worker pids, by index
RESTARTS=()   # restarts per worker
NGINX_PID=""
REDIS_PID=""
SLEEP_PID=""
STOPPING=""

cleanup() {
    local status=$?
    [ -n "$STOPPING" ] && return
    STOPPING=1
    trap '' INT TERM
    echo
    echo "Stopping..."
    for pid in $SLEEP_PID $NGINX_PID; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    local deadline=$((SECONDS + 15))
    for pid in $SLEEP_PID $NGINX_PID "${PIDS[@]}"; do
        while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    # Redis last: workers may write an answer while they stop.
    for pid in $REDIS_PID; do
        kill -TERM "$pid" 2>/dev/null || true
        while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ "$status" -ne 0 ] && [ "$status" -ne 130 ] && [ "$status" -ne 143 ]; then
        echo "Logs kept in $LOGS"
    else
        rm -rf "$TMP"
    fi
    echo "Stopped."
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

healthy() (
    # GET /_stcore/health of worker HOST:PORT $1; true on "200". A subshell: its fd is its own.
    exec 3<>"/dev/tcp/${1%:*}/${1##*:}" || exit 1
    printf 'GET /_stcore/health HTTP/1.0\r\nHost: %s\r\n\r\n' "$1" >&3
    IFS= read -r -t 5 line <&3 || exit 1
    [[ $line == *" 200 "* ]]
) 2>/dev/null

start_worker() {
    local i=$1
    # The file watcher is off: a room server should not reload when a file changes.
    (cd "$APP" && exec "$PY" -m streamlit run "$SCRIPT" --server.port "${WPORTS[$i]}" \
        --server.address 127.0.0.1 --server.headless true \
        --browser.gatherUsageStats false --server.fileWatcherType none \
        ${EXTRA[@]+"${EXTRA[@]}"}) >>"$LOGS/worker-$i.log" 2>&1 &
    PIDS[i]=$!
}

wait_healthy() {
    local i=$1 deadline=$((SECONDS + 90))
    until healthy "127.0.0.1:${WPORTS[$i]}"; do
        if ! kill -0 "${PIDS[$i]}" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
            echo "serve-room: worker $i (port ${WPORTS[$i]}) did not start; its log:" >&2
            tail -n 20 "$LOGS/worker-$i.log" >&2
            return 1
        fi
        sleep 0.3
    done
}

# The rooms' store (momentum_app/talk/room.py), shared by every worker: the presenter's
# scene and the room's answers must reach sessions on any worker.
if [ -n "$REDIS" ]; then
    REDIS_SERVER=$(command -v redis-server || true)
    if [ -z "$REDIS_SERVER" ]; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            echo "Installing redis-server (Debian's package)..."
            apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
            REDIS_SERVER=$(command -v redis-server) || die "redis-server did not install"
        else
            die "--redis needs redis-server (Debian/Ubuntu: sudo apt-get install redis-server)"
        fi
    fi
    REDIS_PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # Reached by remote workers when serving the LAN, so then with a password; an
    # append-only file keeps acknowledged answers if redis-server itself restarts.
    REDIS_PASS=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    mkdir -p "$TMP/redis"
    "$REDIS_SERVER" --port "$REDIS_PORT" --bind "$ADDRESS" --requirepass "$REDIS_PASS" \
        --protected-mode no --appendonly yes --appendfsync always --save "" \
        --dir "$TMP/redis" >"$LOGS/redis.log" 2>&1 &
    REDIS_PID=$!
    for _ in $(seq 50); do port_busy "$PROBE" "$REDIS_PORT" && break; sleep 0.1; done
    kill -0 "$REDIS_PID" 2>/dev/null || { tail -n 5 "$LOGS/redis.log" >&2; die "redis-server did not start"; }
    STORE="redis://:$REDIS_PASS@$PROBE:$REDIS_PORT/0"
    (umask 077 && printf '%s\n' "$STORE" >"$TMP/store-url")
    echo "  rooms: redis-server on $ADDRESS:$REDIS_PORT (pid $REDIS_PID; its URL in $TMP/store-url)"
    if [ ${#REMOTES[@]} -gt 0 ]; then
        echo "  start each remote worker with MOMENTUM_ROOM_STORE=redis://:$REDIS_PASS@<this machine's LAN address>:$REDIS_PORT/0"
    fi
elif [ -z "$STORE" ]; then
    STORE=$TMP/rooms.sqlite3
    echo "  rooms: SQLite $STORE (this machine's workers; --redis for several machines)"
fi
export MOMENTUM_ROOM_STORE=$STORE

# One cookie secret for every worker, so that a browser that fails over to another worker
# keeps a valid XSRF cookie (uploads). In the environment: a command line shows in `ps`.
STREAMLIT_SERVER_COOKIE_SECRET=${STREAMLIT_SERVER_COOKIE_SECRET:-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')}
export STREAMLIT_SERVER_COOKIE_SECRET

echo "Starting $WORKERS worker(s) of $APP/$SCRIPT..."
for i in "${!WPORTS[@]}"; do
    RESTARTS[i]=0
    start_worker "$i"
done
for i in "${!WPORTS[@]}"; do
    wait_healthy "$i" || exit 1
    echo "  worker $i: http://127.0.0.1:${WPORTS[$i]} (pid ${PIDS[$i]}) healthy"
done

for remote in ${REMOTES[@]+"${REMOTES[@]}"}; do
    if healthy "$remote"; then echo "  remote worker: http://$remote healthy"
    else echo "  remote worker: http://$remote does not answer /_stcore/health (yet)"
    fi
done

# Every worker, local then remote, as HOST:PORT; worker i is named w<i> in the cookie.
ADDRS=()
for port in ${WPORTS[@]+"${WPORTS[@]}"}; do ADDRS+=("127.0.0.1:$port"); done
ADDRS+=(${REMOTES[@]+"${REMOTES[@]}"})

# The nginx config, from the template.
upstreams="" names="" addrs="" keep="" workers=""
any="    upstream room_any {"$'\n'
for i in "${!ADDRS[@]}"; do
    server=${ADDRS[$i]}
    # Passive health checks: 2 failures in 10 s take a worker out for 10 s.
    any+="        server $server max_fails=2 fail_timeout=10s;"$'\n'
    upstreams+="    upstream room_w$i {"$'\n'"        server $server max_fails=2 fail_timeout=10s;"$'\n'
    for j in "${!ADDRS[@]}"; do
        [ "$j" = "$i" ] || upstreams+="        server ${ADDRS[$j]} backup;"$'\n'
    done
    upstreams+="    }"$'\n'
    names+="        w$i room_w$i;"$'\n'
    addrs+="        \"~(^|, )${server//./\\.}\$\" w$i;"$'\n'
    keep+="        \"w$i:w$i\" \"\";"$'\n'
    workers+="${workers:+ }$server"
done
upstreams="$any    }"$'\n'"$upstreams"
user=""
[ "$(id -u)" = 0 ] && user="user nobody $(id -gn nobody 2>/dev/null || echo nogroup);"

conf=$(<"$HERE/nginx-room.conf.template")
conf=${conf//@USER@/$user}
conf=${conf//@LOGS@/$LOGS}
conf=${conf//@UPSTREAMS@/${upstreams%$'\n'}}
conf=${conf//@WORKER_NAMES@/${names%$'\n'}}
conf=${conf//@WORKER_ADDRS@/${addrs%$'\n'}}
conf=${conf//@KEEP_COOKIE@/${keep%$'\n'}}
conf=${conf//@COOKIE@/$COOKIE}
conf=${conf//@LISTEN@/$ADDRESS:$PORT}
conf=${conf//@WORKERS@/$workers}
printf '%s\n' "$conf" >"$TMP/nginx.conf"

"$NGINX" -t -q -p "$TMP" -e "$LOGS/nginx-error.log" -c "$TMP/nginx.conf" ||
    die "nginx rejected $TMP/nginx.conf"
"$NGINX" -p "$TMP" -e "$LOGS/nginx-error.log" -c "$TMP/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
for _ in $(seq 50); do port_busy "$PROBE" "$PORT" && break; sleep 0.1; done
kill -0 "$NGINX_PID" 2>/dev/null || { tail -n 5 "$LOGS/nginx-error.log" >&2; die "nginx did not start"; }

echo
echo "Room server: $WORKERS worker(s) here and ${#REMOTES[@]} remote behind nginx (pid $NGINX_PID) on $ADDRESS:$PORT"
if [ "$ADDRESS" = 127.0.0.1 ]; then
    echo "  Open: http://127.0.0.1:$PORT/playground   (this machine only: --address 0.0.0.0 for the room)"
else
    lan=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -v '^127\.' | grep -m1 '\.' || true)
    [ -n "$lan" ] || lan=$(ip -4 -o addr show scope global 2>/dev/null |
        awk '{split($4, a, "/"); print a[1]; exit}' || true)
    [ "$ADDRESS" = 0.0.0.0 ] || lan=$ADDRESS
    echo "  Open here: http://127.0.0.1:$PORT/playground"
    echo "  Share:     http://${lan:-ADDRESS-OF-THIS-MACHINE}:$PORT/playground"
    echo "  (Nobody gets through? Allow TCP port $PORT in the firewall, e.g. 'sudo ufw allow $PORT/tcp'.)"
fi
echo "  Logs: $LOGS   Ctrl-C stops everything."

# Foreground: watch nginx and the workers until stopped. A worker busy running scripts can
# miss one health check, so two misses in a row count as down.
declare -A DOWN=() MISSES=()
while true; do
    sleep 5 &
    SLEEP_PID=$!
    wait "$SLEEP_PID" || true
    SLEEP_PID=""
    kill -0 "$NGINX_PID" 2>/dev/null || { tail -n 5 "$LOGS/nginx-error.log" >&2; die "nginx exited"; }
    for i in "${!WPORTS[@]}"; do
        if ! kill -0 "${PIDS[$i]}" 2>/dev/null; then
            wait "${PIDS[$i]}" 2>/dev/null && code=0 || code=$?
            if [ "${RESTARTS[$i]}" -ge 3 ]; then
                [ -n "${DOWN[$i]:-}" ] ||
                    echo "$(date +%T) worker $i exited (status $code) 3 times: left down; log $LOGS/worker-$i.log"
                DOWN[$i]=1
                continue
            fi
            RESTARTS[i]=$((RESTARTS[i] + 1))
            echo "$(date +%T) worker $i exited (status $code); restarting it (its visitors reconnect)"
            start_worker "$i"
            wait_healthy "$i" && echo "$(date +%T) worker $i is back (pid ${PIDS[$i]})"
            continue
        fi
        if healthy "127.0.0.1:${WPORTS[$i]}"; then
            [ -n "${DOWN[$i]:-}" ] && echo "$(date +%T) worker $i (port ${WPORTS[$i]}) healthy again"
            unset "DOWN[$i]" "MISSES[$i]"
        else
            MISSES[$i]=$((${MISSES[$i]:-0} + 1))
            if [ "${MISSES[$i]}" -ge 2 ] && [ -z "${DOWN[$i]:-}" ]; then
                echo "$(date +%T) worker $i (port ${WPORTS[$i]}) fails /_stcore/health"
                DOWN[$i]=1
            fi
        fi
    done
    for remote in ${REMOTES[@]+"${REMOTES[@]}"}; do
        if healthy "$remote"; then
            [ -n "${DOWN[$remote]:-}" ] && echo "$(date +%T) remote worker $remote healthy again"
            unset "DOWN[$remote]"
        elif [ -z "${DOWN[$remote]:-}" ]; then
            echo "$(date +%T) remote worker $remote fails /_stcore/health (nginx skips it)"
            DOWN[$remote]=1
        fi
    done
done
