#!/usr/bin/env bash
# The cost of issue 15's security set (TLS + bearer token + encryption at rest) with the server in
# its own process: for each shape, `./spool serve` plain and `./spool bench <shape> --url ...` as a
# separate process, then the same with a server that has TLS, `auth: required` and `encrypt-all`
# (a throwaway CA, certificate, keyring and token made in a temporary directory, deleted at the end).
# Runs ROUNDS rounds per shape, plain and secure one after the other (odd rounds plain first, even
# rounds secure first), and prints every pair (msg/s of both runs, the change in per cent, the
# server's CPU per message, which `spool bench` reads from the server process's /proc entries, so
# Linux and loopback only, both as printed and without the server's JIT compiler threads, whose work
# in the window is warm-up leaking into it), then per shape the median change and the median server
# CPU per message of each side.
#
#   bench/security-overhead.sh                      # all three shapes, 3 rounds, 20 s measured after 10 s warm-up
#   ONLY=lockd DURATION=3 WARMUP=1 bench/security-overhead.sh
#   ONLY=throughput-http PARTS=tls bench/security-overhead.sh     # the cost of one part alone
#
# Knobs (environment): ONLY (throughput-http, throughput-stream or lockd), PARTS (which of tls, token,
# encryption the secure server has, comma-separated; default all three), DURATION (measured seconds,
# default 20), WARMUP (default 10), PORT (default 7171), ROUNDS (plain/secure pairs per shape, default 3),
# KEEP (a directory to copy every bench report into, as <shape>-<mode>-<round>.out), SERVER_JAVA_OPTS
# (JVM options of the servers only, where {run} stands for <shape>-<mode>-<round>, e.g.
# SERVER_JAVA_OPTS='-XX:StartFlightRecording:filename=/tmp/{run}.jfr,settings=profile').
# Needs openssl and curl. Each run starts a fresh server with a fresh journal (fsync=always, the
# default) in the temporary directory.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$here/bench/lib.sh"
spool="$here/spool"
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-10}
PORT=${PORT:-7171}
ONLY=${ONLY:-}
PARTS=${PARTS:-tls,token,encryption}
ROUNDS=${ROUNDS:-3}
KEEP=${KEEP:-}
has() { [[ ",$PARTS," == *",$1,"* ]]; }
check_rounds_and_keep security-overhead
for part in ${PARTS//,/ }; do
    case $part in tls|token|encryption) ;; *) echo "security-overhead: PARTS takes tls, token, encryption" >&2; exit 2 ;; esac
done

declare -A shapes=(
    [throughput-http]="throughput --transport http --producers 4 --consumers 4 --batch 100 --size 1024"
    [throughput-stream]="throughput --transport stream --producers 4 --consumers 4 --batch 100 --size 1024"
    [lockd]="lockd"
)
order=(throughput-http throughput-stream lockd)
if [ -n "$ONLY" ]; then
    if [ -z "${shapes[$ONLY]+x}" ]; then
        echo "security-overhead: ONLY must be one of: ${order[*]}" >&2
        exit 2
    fi
    order=("$ONLY")
fi
for tool in openssl curl; do
    command -v "$tool" >/dev/null || { echo "security-overhead: $tool is required" >&2; exit 2; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/spool-secbench.XXXXXX")
server_pid=""
trap 'stop_server; rm -rf "$tmp"' EXIT

# builds the jar first if it is stale, so that the build does not count against a server's start
"$spool" --version >/dev/null

# a CA and a server certificate for 127.0.0.1 (EC P-256, as in docs/security.md), a keyring, a bootstrap secret
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=bench CA" \
    -keyout "$tmp/ca.key" -out "$tmp/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=bench-server" \
    -keyout "$tmp/server.key" -out "$tmp/server.csr" 2>/dev/null
openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -CAcreateserial -days 2 \
    -extfile <(printf "subjectAltName=IP:127.0.0.1") -out "$tmp/server.crt" 2>/dev/null
cat "$tmp/server.crt" "$tmp/ca.pem" > "$tmp/server.pem"
"$spool" keys rotate --keys-file "$tmp/encryption.keys" >/dev/null
admin=$(openssl rand -hex 32)

# starts a server ($1 = plain or secure) on $PORT with a fresh data directory; waits until it answers
start_server() {
    local mode=$1 data="$tmp/data-$1-$RANDOM"
    local args=(serve --port "$PORT" --data-dir "$data")
    if [ "$mode" = secure ]; then
        if has tls; then args+=(--set tls-cert="$tmp/server.pem" --set tls-key="$tmp/server.key"); fi
        if has token; then args+=(--set auth=required); fi
        if has encryption; then
            args+=(--set encryption-keys-file="$tmp/encryption.keys" --set encrypt-all=true)
        fi
        SPOOL_ADMIN_TOKEN=$admin SPOOL_JAVA_OPTS=$(server_opts "$mode") "$spool" "${args[@]}" \
            >"$tmp/server-$mode.log" 2>&1 &
    else
        env -u SPOOL_ADMIN_TOKEN SPOOL_JAVA_OPTS="$(server_opts "$mode")" "$spool" "${args[@]}" \
            >"$tmp/server-$mode.log" 2>&1 &
    fi
    server_pid=$!
    if wait_up "$(server_url "$mode")" --cacert "$tmp/ca.pem"; then
        return 0
    fi
    echo "security-overhead: the $mode server did not start; its log:" >&2
    tail -20 "$tmp/server-$mode.log" >&2
    exit 1
}

# the servers' JVM options: SPOOL_JAVA_OPTS, then SERVER_JAVA_OPTS with {run} = <shape>-<mode>-<round>
server_opts() {
    local opts=${SERVER_JAVA_OPTS:-}
    echo "${SPOOL_JAVA_OPTS:-} ${opts//\{run\}/$shape-$1-$round}"
}

server_url() {
    if [ "$1" = secure ] && has tls; then echo "https://127.0.0.1:$PORT"; else echo "http://127.0.0.1:$PORT"; fi
}

# a token that may do what the bench does, made with the bootstrap secret (the bench then runs with
# a real token, not the bootstrap one, so the token table and its cache are on the path)
make_token() {
    local ca=()
    if has tls; then ca=(--cacert "$tmp/ca.pem"); fi
    SPOOL_TOKEN=$admin "$spool" token create --name bench --perm 'admin:*' --perm 'produce:*' \
        --perm 'consume:*' --url "$(server_url secure)" "${ca[@]}" \
        | sed -n 's/^secret (shown once; store it now): //p'
}

# runs one bench ($1 = shape, $2 = mode) and leaves its report in $tmp/<shape>-<mode>.out
run_bench() {
    local shape=$1 mode=$2 token=""
    start_server "$mode"
    local extra=()
    if [ "$mode" = secure ] && has token; then
        token=$(make_token)
        if [ -z "$token" ]; then
            echo "security-overhead: could not create a token" >&2
            exit 1
        fi
    fi
    if [ "$mode" = secure ] && has tls; then
        extra=(--cacert "$tmp/ca.pem")
    fi
    # shellcheck disable=SC2086 # the shape's options are words
    if ! SPOOL_TOKEN=$token "$spool" bench ${shapes[$shape]} --url "$(server_url "$mode")" --no-progress \
            --duration "$DURATION" --warmup "$WARMUP" ${extra[@]+"${extra[@]}"} \
            >"$tmp/$shape-$mode.out" 2>"$tmp/$shape-$mode.err"; then
        echo "security-overhead: spool bench $shape ($mode) failed:" >&2
        tail -20 "$tmp/$shape-$mode.out" "$tmp/$shape-$mode.err" >&2
        exit 1
    fi
    stop_server
}

# msg/s and server CPU µs per message from a bench report
msgs_per_s() { sed -n 's/^RESULT .*msgs_per_s=\([0-9.]*\).*/\1/p' "$1"; }
server_us() { sed -n 's/.*per delivered message: server \([0-9.]*\) us.*/\1/p' "$1"; }
# the same without the server's JIT compiler threads: compilation still going on in the measured
# window is warm-up leaking into it, not a cost per message (empty when the report lacks either)
server_us_nojit() {
    local total jit delivered
    total=$(server_us "$1")
    jit=$(sed -n 's/^  server jit  *\([0-9.]*\) s.*/\1/p' "$1")
    delivered=$(sed -n 's/.* delivered \([0-9,]*\) (.*/\1/p' "$1" | tr -d ,)
    if [ -n "$total" ] && [ -n "$jit" ] && [ -n "$delivered" ] && [ "$delivered" -gt 0 ]; then
        awk -v t="$total" -v j="$jit" -v d="$delivered" 'BEGIN { printf "%.1f\n", t - j * 1e6 / d }'
    fi
}

pairs=()
rows=()
for shape in "${order[@]}"; do
    changes="" plain_us="" secure_us="" plain_nj="" secure_nj=""
    for round in $(seq 1 "$ROUNDS"); do
        # odd rounds run plain first, even rounds secure first, so that a drift of the machine's
        # load over a shape's rounds weighs on both sides alike
        if [ $((round % 2)) -eq 1 ]; then modes=(plain secure); else modes=(secure plain); fi
        for mode in "${modes[@]}"; do
            what=$mode
            [ "$mode" = secure ] && what="secure (${PARTS//,/ + })"
            echo "security-overhead: $shape round $round/$ROUNDS $what..." >&2
            run_bench "$shape" "$mode"
            if [ -n "$KEEP" ]; then
                cp "$tmp/$shape-$mode.out" "$KEEP/$shape-$mode-$round.out"
            fi
        done
        p=$(msgs_per_s "$tmp/$shape-plain.out")
        s=$(msgs_per_s "$tmp/$shape-secure.out")
        pc=$(server_us "$tmp/$shape-plain.out")
        sc=$(server_us "$tmp/$shape-secure.out")
        pj=$(server_us_nojit "$tmp/$shape-plain.out")
        sj=$(server_us_nojit "$tmp/$shape-secure.out")
        if [ -z "$p" ] || [ -z "$s" ]; then
            echo "security-overhead: no RESULT line for $shape; reports:" >&2
            cat "$tmp/$shape-plain.out" "$tmp/$shape-secure.out" >&2
            exit 1
        fi
        if [ -z "$pc" ] || [ -z "$sc" ]; then
            echo "security-overhead: $shape: the bench report has no server CPU (server not found in /proc?)" >&2
        fi
        c=$(change "$p" "$s")
        changes+="$c"$'\n'
        [ -n "$pc" ] && plain_us+="$pc"$'\n'
        [ -n "$sc" ] && secure_us+="$sc"$'\n'
        [ -n "$pj" ] && plain_nj+="$pj"$'\n'
        [ -n "$sj" ] && secure_nj+="$sj"$'\n'
        pairs+=("$(printf '| %s | %s | %s | %s | %s %% | %s / %s µs | %s / %s µs |' "$shape" "$round" "$p" "$s" "$c" \
            "${pc:-?}" "${sc:-?}" "${pj:-?}" "${sj:-?}")")
    done
    mc=$(printf '%s' "$changes" | { grep -v '^?$' || true; } | median)
    mp=$(printf '%s' "$plain_us" | median)
    ms=$(printf '%s' "$secure_us" | median)
    mpj=$(printf '%s' "$plain_nj" | median)
    msj=$(printf '%s' "$secure_nj" | median)
    rows+=("$(printf '| %s | %s | %s %% | %s / %s µs | %s / %s µs |' \
        "$shape" "$ROUNDS" "$mc" "$mp" "$ms" "$mpj" "$msj")")
done

echo
echo "duration ${DURATION} s after ${WARMUP} s warm-up; server in its own process on 127.0.0.1:$PORT;" \
    "secure = ${PARTS//,/ + }"
echo "| shape | round | plain msg/s | secure msg/s | change | server CPU per message plain / secure |" \
    "the same without JIT |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${pairs[@]}"
echo
echo "| shape | rounds | median change | median server CPU per message plain / secure | the same without JIT |"
echo "|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
