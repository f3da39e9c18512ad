#!/usr/bin/env bash
# Two builds of Spool side by side, the way docs/benchmarks.md compares an old and a new server: for
# each of ROUNDS rounds, A and B each start a fresh `spool.jar serve` (journal in a new temporary
# directory, fsync=always unless SERVER_ARGS says otherwise) and run `spool.jar bench <scenario>
# --url ...` from the same jar in a second JVM, as users run it. Odd rounds run A first, even rounds
# B first, so that a drift of the machine's load weighs on both. Prints each run's rate and
# latencies from its RESULT line, then per side the median rate and p99 and the median change.
#
#   bench/ab.sh f7971f3 HEAD -- push --endpoints 10 --messages 30000 --batch 10 --rate 1000 --warmup 10
#   ROUNDS=5 bench/ab.sh old.jar spool-cli/target/spool.jar -- locks --mode cycle --form stream --duration 20 --warmup 10
#
# A and B are each a jar file or a git revision of this repository; a revision is built once in a
# temporary worktree (./mvnw -DskipTests -pl spool-cli -am package, plus MVN_FLAGS such as -o) and
# its jar kept in $JARS (default ${TMPDIR:-/tmp}/spool-ab-jars/<commit>.jar) for the next call.
# The bench gets --no-progress when its scenario has that option. Both sides use the same JDK
# (bin/find-jdk).
#
# Knobs (environment): ROUNDS (default 3), PORT (default 7391), SERVER_ARGS (more `serve` arguments,
# e.g. "--set fsync=never"), SERVER_JAVA_OPTS and BENCH_JAVA_OPTS (JVM options of each process), KEEP
# (a directory to copy every bench report and server log into, as <side>-<round>.out/.log), JARS.
# The rest of the environment reaches the server (e.g. SPOOL_PUSH_ALLOW=127.0.0.1 for `bench push`).
# Never run it while builds or tests run on the same machine: the figures would be worthless.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$here/bench/lib.sh"
ROUNDS=${ROUNDS:-3}
PORT=${PORT:-7391}
SERVER_ARGS=${SERVER_ARGS:-}
SERVER_JAVA_OPTS=${SERVER_JAVA_OPTS:-}
BENCH_JAVA_OPTS=${BENCH_JAVA_OPTS:-}
KEEP=${KEEP:-}
JARS=${JARS:-${TMPDIR:-/tmp}/spool-ab-jars}
MVN_FLAGS=${MVN_FLAGS:-}

usage() {
    echo "usage: bench/ab.sh A B -- <bench scenario> [bench options]   (A, B: a jar or a git revision)" >&2
    exit 2
}
[ $# -ge 4 ] && [ "$3" = "--" ] || usage
a=$1 b=$2
shift 3
check_rounds_and_keep ab
command -v curl >/dev/null || { echo "ab: curl is required" >&2; exit 2; }
jdk=$("$here/bin/find-jdk") || exit 1
java=("$jdk/bin/java")
major=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$jdk/release" 2>/dev/null || true)
# JDK 23+ warns about Netty's use of sun.misc.Unsafe unless told it is allowed (as ./spool does)
if [ -n "$major" ] && [ "$major" -ge 23 ] 2>/dev/null; then
    java+=(--sun-misc-unsafe-memory-access=allow)
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/spool-ab.XXXXXX")
server_pid=""
trap 'stop_server; rm -rf "$tmp"' EXIT

# prints the jar for $1: the file itself, or the jar of a git revision (built once, then reused)
jar_of() {
    if [ -f "$1" ]; then
        readlink -f "$1"
        return
    fi
    local sha
    if ! sha=$(git -C "$here" rev-parse --verify --quiet "$1^{commit}"); then
        echo "ab: '$1' is neither a jar file nor a git revision of $here" >&2
        exit 2
    fi
    local jar="$JARS/$sha.jar"
    if [ ! -f "$jar" ]; then
        mkdir -p "$JARS"
        local wt="$tmp/build-$sha"
        echo "ab: building $1 ($sha) in a temporary worktree..." >&2
        git -C "$here" worktree add --detach --quiet "$wt" "$sha"
        # shellcheck disable=SC2086 # MVN_FLAGS are words
        if ! (cd "$wt" && JAVA_HOME=$jdk ./mvnw -q -B $MVN_FLAGS -DskipTests -pl spool-cli -am package \
                >"$tmp/build-$sha.log" 2>&1); then
            tail -30 "$tmp/build-$sha.log" >&2
            git -C "$here" worktree remove --force "$wt"
            echo "ab: the build of $1 failed (output above)" >&2
            exit 1
        fi
        cp "$wt/spool-cli/target/spool.jar" "$jar.part" && mv "$jar.part" "$jar"
        git -C "$here" worktree remove --force "$wt"
    fi
    echo "$jar"
}
jar_a=$(jar_of "$a")
jar_b=$(jar_of "$b")

# runs side $1 (A or B) with jar $2 for round $3; leaves the report in $tmp/$1-$3.out
run() {
    local side=$1 jar=$2 round=$3 data
    data=$(mktemp -d "$tmp/data-$side.XXXXXX")
    # shellcheck disable=SC2086 # SERVER_JAVA_OPTS and SERVER_ARGS are words
    "${java[@]}" $SERVER_JAVA_OPTS -jar "$jar" serve --port "$PORT" --data-dir "$data" $SERVER_ARGS \
        >"$tmp/$side-$round.log" 2>&1 &
    server_pid=$!
    if ! wait_up "http://127.0.0.1:$PORT"; then
        echo "ab: the $side server did not start; its log:" >&2
        tail -20 "$tmp/$side-$round.log" >&2
        exit 1
    fi
    local extra=()
    if "${java[@]}" -jar "$jar" bench "${bench[0]}" --help 2>/dev/null | grep -q -- '--no-progress'; then
        extra=(--no-progress)
    fi
    # shellcheck disable=SC2086 # BENCH_JAVA_OPTS are words
    if ! "${java[@]}" $BENCH_JAVA_OPTS -jar "$jar" bench "${bench[@]}" --url "http://127.0.0.1:$PORT" \
            ${extra[@]+"${extra[@]}"} >"$tmp/$side-$round.out" 2>&1; then
        echo "ab: spool bench failed on side $side, round $round:" >&2
        tail -20 "$tmp/$side-$round.out" >&2
        exit 1
    fi
    stop_server
    rm -rf "$data"
    if [ -n "$KEEP" ]; then
        cp "$tmp/$side-$round.out" "$tmp/$side-$round.log" "$KEEP/"
    fi
}
bench=("$@")
# the value of key $2 in the RESULT line of report $1 (empty when absent)
field() { sed -n "s/^RESULT .* $2=\([^ ]*\).*/\1/p" "$1" | head -1; }
rate() { local v; v=$(field "$1" msgs_per_s); [ -n "$v" ] || v=$(field "$1" ops_per_s); echo "$v"; }

rows=() rates_a="" rates_b="" p99_a="" p99_b="" changes=""
for round in $(seq 1 "$ROUNDS"); do
    if [ $((round % 2)) -eq 1 ]; then order=(A B); else order=(B A); fi
    for side in "${order[@]}"; do
        echo "ab: round $round/$ROUNDS, side $side (load $(cut -d' ' -f1 /proc/loadavg))..." >&2
        if [ "$side" = A ]; then run A "$jar_a" "$round"; else run B "$jar_b" "$round"; fi
    done
    for side in A B; do
        out="$tmp/$side-$round.out"
        r=$(rate "$out")
        if [ -z "$r" ]; then
            echo "ab: no RESULT line with a rate in side $side's report:" >&2
            tail -20 "$out" >&2
            exit 1
        fi
        rows+=("$(printf '| %s | %s | %s | %s | %s | %s |' "$round" "$side" "$r" "$(field "$out" p50_ms)" \
            "$(field "$out" p99_ms)" "$(field "$out" max_ms)")")
    done
    ra=$(rate "$tmp/A-$round.out") rb=$(rate "$tmp/B-$round.out")
    rates_a+="$ra"$'\n' rates_b+="$rb"$'\n' changes+="$(change "$ra" "$rb")"$'\n'
    p99_a+="$(field "$tmp/A-$round.out" p99_ms)"$'\n' p99_b+="$(field "$tmp/B-$round.out" p99_ms)"$'\n'
done

echo
echo "A = $a ($jar_a)"
echo "B = $b ($jar_b)"
echo "bench ${bench[*]} --url http://127.0.0.1:$PORT; server serve --port $PORT --data-dir <fresh> $SERVER_ARGS"
echo "| round | side | rate (/s) | p50 (ms) | p99 (ms) | max (ms) |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "| rounds | median rate A / B | median change B vs A | median p99 A / B (ms) |"
echo "|---|---|---|---|"
printf '| %s | %s / %s | %s %% | %s / %s |\n' "$ROUNDS" \
    "$(printf '%s' "$rates_a" | median)" "$(printf '%s' "$rates_b" | median)" \
    "$(printf '%s' "$changes" | { grep -v '^?$' || true; } | median)" \
    "$(printf '%s' "$p99_a" | { grep -v '^$' || true; } | median)" "$(printf '%s' "$p99_b" | { grep -v '^$' || true; } | median)"
