# Production image (README: Deploying): the locked dependencies in a virtualenv built apart, the code and
# its collected static files, gunicorn as a non-root user. Configure it with production.env.
FROM python:3.11-slim AS dependencies
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements.lock /tmp/requirements.lock
RUN python -m venv /venv && /venv/bin/pip install --require-hashes -r /tmp/requirements.lock

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/venv/bin:$PATH
WORKDIR /app
COPY --from=dependencies /venv /venv
COPY . .
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input -v0 \
    && useradd --system --no-create-home spacedevs

USER spacedevs
EXPOSE 8000
# Anonymous clients get LL2's limit in production (change it, or empty it, with -e).
ENV BIND=0.0.0.0:8000 ANONYMOUS_THROTTLE_RATE=15/hour
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["python", "-m", "spacedevs.probe"]
CMD ["gunicorn", "--config", "python:spacedevs.gunicorn_config"]
