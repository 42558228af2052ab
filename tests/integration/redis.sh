# A private Redis for the tests of session.store redis: no port, a unix
# socket in the test's folder ($REDIS_SOCK), nothing saved to disk.
# Sourced after lib.sh; the test's EXIT trap calls redis_stop.
command -v redis-server >/dev/null || { echo "redis-server is not installed (scripts/deps.sh test)"; exit 1; }

REDIS_SOCK="$WORK/redis.sock"
REDIS_PID=

redis_up() { [ "$(redis-cli -s "$REDIS_SOCK" ping 2>/dev/null)" = PONG ]; }

# redis_start: starts it (again, after redis_stop) and waits until it answers.
redis_start() {
	redis-server --port 0 --unixsocket "$REDIS_SOCK" --unixsocketperm 700 --save '' \
		--appendonly no --dir "$WORK" >>"$WORK/redis.log" 2>&1 &
	REDIS_PID=$!
	wait_for 30 redis_up
}

redis_stop() {
	[ -n "$REDIS_PID" ] || return 0
	kill "$REDIS_PID" 2>/dev/null
	wait_for 10 pid_gone "$REDIS_PID"
	REDIS_PID=
}
