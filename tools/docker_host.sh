# Sourced by tools/fresh_machine.sh and tools/container_check.sh: a Docker engine and a bare Debian 12 image.
#
# - Docker: used as it is when `docker info` answers; otherwise Debian's docker.io is installed (apt, as root)
#   and dockerd started, and stopped again by docker_host_cleanup.
# - The base image (BASE_IMAGE, default debian:bookworm-slim): used when present, pulled when the registry
#   answers, otherwise made from Debian's own packages with mmdebstrap (minbase + ca-certificates) and imported
#   under the same name, so the Dockerfile's FROM line finds it.
# - A TLS-inspecting proxy: when the host names its CA bundle (SSL_CERT_FILE, else PIP_CERT or
#   REQUESTS_CA_BUNDLE), the containers get it at run time (a read-only mount and PIP_CERT) and builds as a
#   BuildKit secret; it is never part of an image.
set -euo pipefail

BASE_IMAGE=${BASE_IMAGE:-debian:bookworm-slim}
DOCKER=${DOCKER:-docker}
STARTED_DOCKERD=""

say() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 2; }

docker_host_setup() {
    if ! command -v "$DOCKER" >/dev/null 2>&1 || ! "$DOCKER" info >/dev/null 2>&1; then
        if ! command -v dockerd >/dev/null 2>&1; then
            [ "$(id -u)" = 0 ] || die "no Docker engine, and installing Debian's docker.io needs root (or start Docker yourself)"
            say "installing Debian's docker.io and mmdebstrap"
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io mmdebstrap >/dev/null
        fi
        say "starting dockerd"
        dockerd >"${TMPDIR:-/tmp}/compendium-dockerd.log" 2>&1 &
        STARTED_DOCKERD=$!
        for _ in $(seq 60); do "$DOCKER" info >/dev/null 2>&1 && break; sleep 1; done
        "$DOCKER" info >/dev/null 2>&1 || die "dockerd did not start (see ${TMPDIR:-/tmp}/compendium-dockerd.log)"
    fi
    # the Dockerfile's RUN --mount needs BuildKit: built into clients before 23, the buildx plugin from 23 on
    if ! "$DOCKER" buildx version >/dev/null 2>&1; then
        local major
        major=$("$DOCKER" version -f '{{.Client.Version}}' 2>/dev/null | cut -d. -f1)
        if [ "${major:-0}" -ge 23 ]; then
            if [ -x /usr/bin/docker ] && [ "$(/usr/bin/docker version -f '{{.Client.Version}}' | cut -d. -f1)" -lt 23 ]; then
                DOCKER=/usr/bin/docker      # Debian's docker.io client, with BuildKit built in
            else
                die "docker $major.x builds with BuildKit only through its buildx component; install docker-buildx"
            fi
        fi
    fi
    if ! "$DOCKER" image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
        if ! timeout 60 "$DOCKER" pull -q "$BASE_IMAGE" >/dev/null 2>&1; then
            command -v mmdebstrap >/dev/null 2>&1 || {
                [ "$(id -u)" = 0 ] || die "cannot pull $BASE_IMAGE, and installing mmdebstrap needs root"
                apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null; }
            say "cannot pull $BASE_IMAGE: making it from Debian's packages (mmdebstrap bookworm, minbase)"
            local tarball
            tarball=$(mktemp --suffix=.tar)
            mmdebstrap --quiet --variant=minbase --include=ca-certificates bookworm "$tarball"
            # no -q: Debian's docker.io client (20.10, chosen above for BuildKit) does not know it for import
            "$DOCKER" import "$tarball" "$BASE_IMAGE" >/dev/null
            rm -f "$tarball"
        fi
    fi
    # what a container needs to reach the package registries through this host's proxy, if it has one
    CA_RUN_ARGS=()
    CA_BUILD_ARGS=()
    local bundle=${SSL_CERT_FILE:-${PIP_CERT:-${REQUESTS_CA_BUNDLE:-}}}
    if [ -n "$bundle" ] && [ -f "$bundle" ]; then
        CA_RUN_ARGS=(-v "$bundle:/etc/host-ca.pem:ro" -e PIP_CERT=/etc/host-ca.pem)
        CA_BUILD_ARGS=(--secret "id=pip_cert,src=$bundle")
    fi
}

docker_host_cleanup() {
    if [ -n "$STARTED_DOCKERD" ]; then
        say "stopping the dockerd this script started"
        kill "$STARTED_DOCKERD" 2>/dev/null || true
        wait "$STARTED_DOCKERD" 2>/dev/null || true
    fi
}

# a clean clone of the committed HEAD of this repository (what a user gets), in a new temporary folder
clean_clone() {
    local target
    target=$(mktemp -d "${TMPDIR:-/tmp}/compendium-clone.XXXXXX")
    git clone -q "$(git rev-parse --show-toplevel)" "$target"
    printf '%s\n' "$target"
}
