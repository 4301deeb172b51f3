#!/usr/bin/env bash
# Build the container from a clean clone and prove it (`make container-check`; `make container` only builds).
#
# 1. docker build of a clean clone of HEAD (the Dockerfile: bare Debian 12 + the hash-pinned lock); prints the
#    build time and the image size.
# 2. In the image, as a user that is not root (uid 4321, not the image's own) on the clone bind-mounted at /work:
#    - make test                                  (the default tests)
#    - make check-hashes ITEMS="$CHECK_ITEMS"     (re-run from scratch, compared with dvc.lock and, where the
#                                                  bytes differ, with the archived output: default "j01 kernels")
#      Outputs record Python as major.minor, so the image's 3.11.2 gives the bytes that our machines' 3.11.7
#      recorded: the expected verdict is "identical bytes", with or without an archive. The archived outputs,
#      where this machine's DVC cache (DVC_CACHE_DIR, default the set-up's) holds them, are mounted read-only.
#    - the image's default command (make repro) with PROFILE=tiny, the pipeline end to end at small scale
# Exit status 0 only if every step passed.
#
# Environment: TORCH_WHEEL_DIR (a folder with torch's CPU wheel, for a machine that cannot reach PyTorch's
# index: copied into the clone's docker/wheels/, mounted into the build, hash-checked), IMAGE, CHECK_ITEMS,
# BASE_IMAGE (tools/docker_host.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/docker_host.sh
source tools/docker_host.sh

IMAGE=${IMAGE:-hagen-eeg-compendium:$(git rev-parse --short HEAD)}
CHECK_ITEMS=${CHECK_ITEMS:-j01 kernels}
RUN_AS=4321:4321
build_only=""
[ "${1:-}" = "--build-only" ] && build_only=1

clone=""
cleanup() { [ -z "$clone" ] || rm -rf "$clone"; docker_host_cleanup; }
trap cleanup EXIT
docker_host_setup
clone=$(clean_clone)
if [ -n "${TORCH_WHEEL_DIR:-}" ]; then
    cp "$TORCH_WHEEL_DIR"/torch-*+cpu-*.whl "$clone/docker/wheels/"
    say "torch's CPU wheel from $TORCH_WHEEL_DIR instead of PyTorch's index (hash-checked in the build)"
fi

say "building $IMAGE from a clean clone of $(git rev-parse --short HEAD)"
start=$(date +%s)
DOCKER_BUILDKIT=1 "$DOCKER" build -q "${CA_BUILD_ARGS[@]}" -t "$IMAGE" "$clone" >/dev/null
build_s=$(( $(date +%s) - start ))
size_mb=$(( $("$DOCKER" image inspect -f '{{.Size}}' "$IMAGE") / 1000000 ))
say "[container] built $IMAGE in ${build_s} s; image size ${size_mb} MB"
[ -n "$build_only" ] && exit 0

# the work tree belongs to the user who runs the container, as a bind-mounted checkout would
chown -R "$RUN_AS" "$clone"
in_image() { "$DOCKER" run --rm -u "$RUN_AS" -v "$clone:/work" "${CA_RUN_ARGS[@]}" "$@"; }
failed=()
step() {
    local name=$1; shift
    local start status
    start=$(date +%s)
    set +e
    in_image "$@"
    status=$?
    set -e
    say "[container] $name: $([ "$status" = 0 ] && echo passed || echo "FAILED (exit $status)") in $(( $(date +%s) - start )) s"
    [ "$status" = 0 ] || failed+=("$name")
}
step "make test" "$IMAGE" make test
archive_cache=${DVC_CACHE_DIR:-$HOME/.cache/hagen-eeg-compendium/dvc-cache}
# shellcheck disable=SC2086
lacking=$(${PYTHON_BIN:-python3} -m tools.cache_check --items-lacking "$archive_cache" $CHECK_ITEMS)
# Outputs record Python as major.minor, so the image's bytes must equal dvc.lock's whatever machine made the lock:
# check-hashes needs no archive for that verdict. The archived outputs (this machine's DVC cache, read-only) only
# let it say how the content differs if the bytes ever do; a new machine's empty cache is no reason to skip.
archive_args=()
if [ -z "$lacking" ]; then
    say "[container] the archived outputs for check-hashes: this machine's DVC cache $archive_cache (read-only)"
    archive_args=(-v "$archive_cache:/archive-cache:ro" -e DVC_CACHE_DIR=/archive-cache)
    compared="check-hashes against dvc.lock and the archive"
else
    say "[container] this machine's DVC cache ($archive_cache) lacks the archived outputs of: $lacking;" \
        "check-hashes compares the image's bytes with dvc.lock alone"
    compared="check-hashes against dvc.lock"
fi
step "check-hashes $CHECK_ITEMS" "${archive_args[@]}" "$IMAGE" make check-hashes "ITEMS=$CHECK_ITEMS"
step "default command (make repro), PROFILE=tiny" -e PROFILE=tiny "$IMAGE"
if [ ${#failed[@]} -eq 0 ]; then
    say "container: PASSED (build, make test, $compared, default command)"
else
    say "container: FAILED: ${failed[*]}"
    exit 1
fi
