# Helpers shared by the scripts in bench/ (sourced, not run). The sourcing script sets `tmp` (a
# temporary directory) and `server_pid` ("" when no server runs) before it uses them.

# checks the ROUNDS and KEEP knobs of script $1 (its name, for the messages); exits 2 on a bad value
check_rounds_and_keep() {
    if ! [[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]]; then
        echo "$1: ROUNDS must be a positive whole number" >&2
        exit 2
    fi
    if [ -n "$KEEP" ] && ! mkdir -p "$KEEP"; then
        echo "$1: cannot make KEEP directory $KEEP" >&2
        exit 2
    fi
}

# stops the server started last, if any, and waits for it
stop_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
}

# waits until URL $1 answers (curl args after it, e.g. --cacert), up to 30 s; false when the server
# process ($server_pid) died or never answered
wait_up() {
    local url=$1
    shift
    for _ in $(seq 1 300); do
        if curl -fsS "$@" "$url/healthz" >/dev/null 2>&1; then
            return 0
        fi
        if ! kill -0 "$server_pid" 2>/dev/null; then
            return 1
        fi
        sleep 0.1
    done
    return 1
}

# the median of the numbers on standard input, one a line ("?" when there are none)
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "?"; else if (NR % 2) print v[(NR + 1) / 2];
    else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# the change from $1 to $2 in per cent, signed ("?" when $1 is not positive)
change() { awk -v p="$1" -v s="$2" 'BEGIN { if (p > 0) printf "%+.1f", 100 * (s - p) / p; else print "?" }'; }
