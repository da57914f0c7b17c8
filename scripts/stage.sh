# Sourced by scripts/test-all and scripts/nightly-checks: runs one named, timed stage.
STAGE_TIMES=()

stage() {
    local name=$1
    shift
    echo "==> $name: $*"
    local t0=$SECONDS rc=0
    "$@" || rc=$?
    local took=$((SECONDS - t0))
    if [ "$rc" -ne 0 ]; then
        echo "<== $name: FAILED (exit $rc) after $took s"
        stage_summary
        return "$rc"
    fi
    echo "<== $name: $took s"
    STAGE_TIMES+=("$(printf '%6d s  %s' "$took" "$name")")
}

skipped() {
    echo "SKIPPED $1: $2"
}

# The time of every stage that ran, one line each.
stage_summary() {
    echo "stage times:"
    local line
    for line in ${STAGE_TIMES[@]+"${STAGE_TIMES[@]}"}; do
        echo "$line"
    done
}
