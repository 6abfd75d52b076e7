# Production image: gunicorn as a non-root user, static files collected at build time.
# Configure with DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS (see README: Configuration).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY requirements.lock .
RUN pip install --require-hashes -r requirements.lock

COPY . .
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input -v0 \
    && useradd --system --no-create-home spacedevs

USER spacedevs
EXPOSE 8000
# Anonymous clients get LL2's limit in production (unset it, or change it, with -e).
ENV BIND=0.0.0.0:8000 ANONYMOUS_THROTTLE_RATE=15/hour
CMD ["gunicorn", "--config", "python:spacedevs.gunicorn_config"]
