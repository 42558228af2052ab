# pebble.sh - a throw-away ACME CA for the tests: Debian's pebble (Let's
# Encrypt's test server) with pebble-challtestsrv as its DNS (every name is
# 127.0.0.1), on free loopback ports, its own HTTPS certificate made here.
# Source it after lib.sh (or the TUI's lib.sh). pebble_start PORT starts it
# with its VA asking on that HTTP port (webmsgd's, or one nobody answers);
# it sets PEBBLE_DIR (the directory URL), PEBBLE_CA (to trust its HTTPS) and
# PEBBLE_MGMT_PORT. pebble_stop stops it; pebble_root FILE writes the root
# its certificates chain to. The test's exit stops everything.
command -v pebble >/dev/null && command -v pebble-challtestsrv >/dev/null ||
	{ echo "pebble is not installed (scripts/deps.sh test)"; exit 1; }

PEBBLE_WORK=$WORK/pebble
mkdir -p "$PEBBLE_WORK"
PEBBLE_PIDS=()
PEBBLE_PID=
pebble_stop_all() { for p in "${PEBBLE_PIDS[@]}"; do kill "$p" 2>/dev/null; done; }
trap 'pebble_stop_all; if declare -F tui_cleanup >/dev/null; then tui_cleanup; else cleanup; fi' EXIT

# pebble's own HTTPS: a CA made here, and a certificate for 127.0.0.1 from it.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=pebble test CA" \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
	-keyout "$PEBBLE_WORK/ca.key" -out "$PEBBLE_WORK/ca.pem" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
	-keyout "$PEBBLE_WORK/key.pem" -out "$PEBBLE_WORK/csr.pem" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$PEBBLE_WORK/ext"
openssl x509 -req -in "$PEBBLE_WORK/csr.pem" -CA "$PEBBLE_WORK/ca.pem" -CAkey "$PEBBLE_WORK/ca.key" \
	-CAcreateserial -days 2 -extfile "$PEBBLE_WORK/ext" -out "$PEBBLE_WORK/cert.pem" 2>/dev/null
PEBBLE_CA=$PEBBLE_WORK/ca.pem

PEBBLE_PORT=$(free_port)
PEBBLE_MGMT_PORT=$(free_port)
PEBBLE_DNS_PORT=$(free_port)
PEBBLE_DIR="https://127.0.0.1:$PEBBLE_PORT/dir"

pebble-challtestsrv -defaultIPv4 127.0.0.1 -defaultIPv6 "" -dns01 "127.0.0.1:$PEBBLE_DNS_PORT" -http01 "" \
	-https01 "" -tlsalpn01 "" -management "127.0.0.1:$(free_port)" >"$PEBBLE_WORK/dns.log" 2>&1 &
PEBBLE_PIDS+=($!)

# pebble's VA asks on the "HTTP port" of every name; the DNS answers 127.0.0.1.
pebble_start() {
	cat > "$PEBBLE_WORK/config.json" <<CFG
{ "pebble": { "listenAddress": "127.0.0.1:$PEBBLE_PORT", "managementListenAddress": "127.0.0.1:$PEBBLE_MGMT_PORT",
  "certificate": "$PEBBLE_WORK/cert.pem", "privateKey": "$PEBBLE_WORK/key.pem", "httpPort": $1, "tlsPort": $(free_port),
  "ocspResponderURL": "", "externalAccountBindingRequired": false } }
CFG
	PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 pebble -config "$PEBBLE_WORK/config.json" \
		-dnsserver "127.0.0.1:$PEBBLE_DNS_PORT" >"$PEBBLE_WORK/pebble.log" 2>&1 &
	PEBBLE_PID=$!
	PEBBLE_PIDS+=($PEBBLE_PID)
	wait_for 30 pebble_up
}

# pebble_up: both of its ports answer.
pebble_up() { port_open "$PEBBLE_PORT" && port_open "$PEBBLE_MGMT_PORT"; }

pebble_stop() {
	kill "$PEBBLE_PID" 2>/dev/null
	wait_for 10 pid_gone "$PEBBLE_PID"
}

pebble_root() { curl -sk "https://127.0.0.1:$PEBBLE_MGMT_PORT/roots/0" > "$1"; }
