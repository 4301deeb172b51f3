# Container of the compendium: Debian 12 (CPython 3.11) with the README's prerequisites and exactly the
# hash-pinned environment of requirements*.lock (the wheels that made the archive).
# Build: docker build -t hagen-eeg-compendium .        (behind a TLS-inspecting proxy also:
#        --secret id=pip_cert,src=/path/to/ca-bundle.pem; offline torch: docker/wheels/README.md)
# Run:   docker run --rm -u "$(id -u):$(id -g)" -v "$PWD":/work hagen-eeg-compendium          (make repro)
#        docker run --rm -u "$(id -u):$(id -g)" -v "$PWD":/work hagen-eeg-compendium make test
# The work tree is bind-mounted at /work; README "The container".
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}

# the README's prerequisites (Makefile DEBIAN_PREREQUISITES; tests/test_environment.py checks they agree). Their
# versions are Debian 12's; everything the results depend on beyond the compilers is hash-pinned below.
# hadolint ignore=DL3008
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       python3 python3-venv libpython3.11 gcc g++ make git \
    && rm -rf /var/lib/apt/lists/*

# the environment, built by the same Makefile rule as on a user's machine, in /opt/venv
ENV VENV=/opt/venv
COPY Makefile requirements-pip.lock requirements.lock requirements-torch.lock /opt/compendium/
RUN --mount=type=secret,id=pip_cert \
    --mount=type=bind,source=docker/wheels,target=/opt/wheels-in \
    if [ -f /run/secrets/pip_cert ]; then export PIP_CERT=/run/secrets/pip_cert; fi; \
    if ls /opt/wheels-in/torch-*.whl >/dev/null 2>&1; then export TORCH_WHEEL_DIR=/opt/wheels-in; fi; \
    make -C /opt/compendium venv PYTHON=/usr/bin/python3 \
    && rm -rf /root/.cache

# any user (docker run -u "$(id -u):$(id -g)"): a user name for a uid the image's passwd does not know (DVC asks
# getpass.getuser(), which reads USER before the passwd file), a writable HOME, DVC's cache inside the
# bind-mounted work tree (.dvc/cache, so results survive the container), git trusting a tree owned by another
ENV PATH=/opt/venv/bin:$PATH \
    USER=compendium \
    LOGNAME=compendium \
    HOME=/tmp \
    DVC_CACHE_DIR=/work/.dvc/cache \
    DVC_NO_ANALYTICS=1 \
    MPLBACKEND=Agg \
    PYTHONHASHSEED=0 \
    GIT_CONFIG_COUNT=1 \
    GIT_CONFIG_KEY_0=safe.directory \
    GIT_CONFIG_VALUE_0=*
USER 1000:1000
WORKDIR /work
CMD ["make", "repro"]
