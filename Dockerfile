# mockango as a container: `mockango serve` on port 8080, its state on the volume /data.
#
#   make dist                                   # dist/mockango_host-<version>-py3-none-any.whl
#   docker build -t mockango-host .             # or podman build / buildah build
#   docker run --rm -p 8080:8080 -v mockango-data:/data mockango-host
#
# BASE is any image with python3 (3.10 or newer) and its venv module: python:3.12-slim by default.
# The build installs the wheel and its dependencies from PyPI (or, with --build-arg PIP_NO_INDEX=1,
# from wheels put beside it in dist/); the running host needs no network.
ARG BASE=python:3.12-slim

# Stage 1: the wheel and its dependencies in a venv. Only that venv reaches the image: not the wheels, not pip.
FROM ${BASE} AS build
ARG PIP_NO_INDEX=
COPY dist/ /tmp/dist/
# Faker's locales but the English ones its en_US providers use go (~15 of the image's ~36 MB): the
# seeded data is made in en_US, and the build fails here if that ever needs one removed; the container
# test compares the image's seeded data with a local host's.
RUN python3 -m venv /opt/mockango \
 && /opt/mockango/bin/python -m pip install --no-cache-dir --disable-pip-version-check \
        --find-links /tmp/dist /tmp/dist/mockango_host-*.whl \
 && /opt/mockango/bin/python -m pip uninstall --yes --quiet pip setuptools \
 && find /opt/mockango/lib/python3*/site-packages/faker/providers -mindepth 2 -maxdepth 2 -type d \
        ! -name en ! -name en_US ! -name en_GB ! -name __pycache__ -exec rm -rf {} + \
 && /opt/mockango/bin/python -c "from mockango.services.seed import demo_data; demo_data(0)"

FROM ${BASE}
COPY --from=build /opt/mockango /opt/mockango
RUN groupadd --system --gid 10001 mockango \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home mockango \
 && mkdir -p /data \
 && chown mockango:mockango /data

ENV PATH=/opt/mockango/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    MOCKANGO_PORT=8080
USER mockango
WORKDIR /data
VOLUME /data
EXPOSE 8080

# Healthy once the host answers GET /health with 200 (503 while it starts, or when its store cannot be read).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["mockango", "health"]

ENTRYPOINT ["mockango"]
CMD ["serve", "--host", "0.0.0.0", "--state", "/data/state.sqlite3"]
