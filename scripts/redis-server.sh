# Sourced by scripts/redis-tests and scripts/redis-bench: a throwaway redis-server on localhost.
# redis_install: installs the Debian package when missing and possible (root, apt-get).
# redis_start:   starts one on a free port with a random password and append-only persistence,
#                exports WEFTSYNC_REDIS_URL, and stops it (removing its directory) on exit.

redis_install() {
    command -v redis-server >/dev/null && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing redis-server with apt-get"
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) \
            >/dev/null 2>&1 || true
    fi
    command -v redis-server >/dev/null
}

redis_start() {
    local port
    for port in $(seq 16379 16479); do
        if ! (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            break
        fi
    done
    REDIS_DIR=$(mktemp -d)
    REDIS_PORT=$port
    REDIS_PASS=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
    trap redis_stop EXIT
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --requirepass "$REDIS_PASS" \
        --appendonly yes --appendfsync everysec --save "" --maxmemory-policy noeviction \
        --dir "$REDIS_DIR" --daemonize yes --pidfile "$REDIS_DIR/redis.pid" \
        --logfile "$REDIS_DIR/redis.log"
    local i
    for i in $(seq 1 200); do
        if redis-cli -p "$REDIS_PORT" -a "$REDIS_PASS" --no-auth-warning ping 2>/dev/null \
            | grep -q PONG; then
            export WEFTSYNC_REDIS_URL="redis://:$REDIS_PASS@127.0.0.1:$REDIS_PORT/"
            echo "redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') on 127.0.0.1:$REDIS_PORT (password, appendonly)"
            return 0
        fi
        sleep 0.05
    done
    echo "redis-server did not start; its log:" >&2
    cat "$REDIS_DIR/redis.log" >&2 || true
    return 1
}

redis_stop() {
    if [ -n "${REDIS_DIR:-}" ] && [ -f "$REDIS_DIR/redis.pid" ]; then
        kill "$(cat "$REDIS_DIR/redis.pid")" 2>/dev/null || true
        local i
        for i in $(seq 1 100); do
            kill -0 "$(cat "$REDIS_DIR/redis.pid" 2>/dev/null)" 2>/dev/null || break
            sleep 0.05
        done
    fi
    [ -n "${REDIS_DIR:-}" ] && rm -rf "$REDIS_DIR"
    REDIS_DIR=
}
