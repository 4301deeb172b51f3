#!/usr/bin/env bash
# The README's set-up and `make test` on a bare Debian 12 machine (`make fresh-machine-test`, README "Proving the
# set-up").
#
# A container from a bare Debian 12 image gets exactly the README's prerequisites (`make -s prerequisites`) and a
# clean clone of HEAD, and nothing of this machine: no pip configuration, no local wheels, no caches. Inside, the
# README's commands run as a new user would: `make setup` (the environment from the hash-pinned lock, the NEURON
# mechanisms), then `make test`. Prints the time of each step and the verdict; exit status 0 only if all passed.
#
# Environment:
#   TORCH_WHEEL_DIR  a folder holding torch's CPU wheel (requirements-torch.lock), handed to the set-up instead
#                    of PyTorch's CPU index, for machines that cannot reach it (ours reach PyPI only). The wheel's
#                    sha256 is checked against the lock either way.
#   DROP_PACKAGE     leave one prerequisite out (shows that the check fails, and how: e.g. libpython3.11)
#   BASE_IMAGE       the bare image (default debian:bookworm-slim; made with mmdebstrap when it cannot be pulled)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/docker_host.sh
source tools/docker_host.sh

packages=$(make -s prerequisites)
if [ -n "${DROP_PACKAGE:-}" ]; then
    packages=$(printf '%s\n' $packages | grep -vx "$DROP_PACKAGE" | tr '\n' ' ')
    say "leaving out the prerequisite $DROP_PACKAGE: this run is expected to fail"
fi

clone=""
cleanup() { [ -z "$clone" ] || rm -rf "$clone"; docker_host_cleanup; }
trap cleanup EXIT
docker_host_setup
clone=$(clean_clone)
say "clean clone of $(git rev-parse --short HEAD) in $clone; image $BASE_IMAGE; prerequisites: $packages"

wheel_args=()
if [ -n "${TORCH_WHEEL_DIR:-}" ]; then
    wheel_args=(-v "$(realpath "$TORCH_WHEEL_DIR"):/torch-wheels:ro" -e TORCH_WHEEL_DIR=/torch-wheels)
    say "torch's CPU wheel from $TORCH_WHEEL_DIR instead of PyTorch's index (hash-checked by the set-up)"
fi

set +e
"$DOCKER" run --rm -v "$clone:/repo" -w /repo "${CA_RUN_ARGS[@]}" "${wheel_args[@]}" \
    -e "PACKAGES=$packages" "$BASE_IMAGE" bash -c '
    set -eu
    t0=$(date +%s)
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $PACKAGES >/dev/null
    t1=$(date +%s)
    echo "[fresh machine] Debian packages in $((t1 - t0)) s; $(python3 --version)"
    make setup
    t2=$(date +%s)
    echo "[fresh machine] set-up (make setup) in $((t2 - t1)) s; pip check clean"
    make test
    t3=$(date +%s)
    echo "[fresh machine] tests (make test) in $((t3 - t2)) s"
'
status=$?
set -e
if [ "$status" = 0 ]; then
    say "fresh machine: PASSED (the README's set-up and make test on bare Debian 12)"
else
    say "fresh machine: FAILED with exit status $status (the last lines above say where)"
fi
exit "$status"
