# Container of the compendium: the pinned environment.yml (conda-forge, with NEST and NEURON from the PyPI wheels
# of requirements.lock), run as a non-root user.
# Build: docker build -t hagen-eeg-compendium:1.0 .
# Run:   docker run --rm -u "$(id -u):$(id -g)" -v "$PWD":/work hagen-eeg-compendium:1.0
# The working directory is bind-mounted at /work; the default command runs the pipeline (dvc repro).
FROM mambaorg/micromamba:1.5.10-bookworm-slim

# the micromamba image's own non-root user (mambauser, uid/gid 57439), numeric so any host resolves it
USER 57439:57439

COPY --chown=57439:57439 environment.yml /tmp/environment.yml
RUN micromamba install --yes --name base --file /tmp/environment.yml \
    && micromamba clean --all --yes

# activate the environment for every RUN, and in `docker run` through the image's entrypoint
ARG MAMBA_DOCKERFILE_ACTIVATE=1
ENV COMPENDIUM_USE_ACTIVE_ENV=1 \
    DVC_NO_ANALYTICS=1 \
    MPLBACKEND=Agg \
    PYTHONHASHSEED=0 \
    GIT_CONFIG_COUNT=1 \
    GIT_CONFIG_KEY_0=safe.directory \
    GIT_CONFIG_VALUE_0=*

WORKDIR /work
CMD ["bash", "-c", "python -m analysis.model.mechanisms && dvc repro"]
