# Sourced by scripts/test-all and scripts/nightly-checks: runs one named, timed stage.
stage() {
    local name=$1
    shift
    echo "==> $name: $*"
    local t0=$SECONDS
    "$@"
    echo "<== $name: $((SECONDS - t0)) s"
}

skipped() {
    echo "SKIPPED $1: $2"
}
