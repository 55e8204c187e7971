FROM python:3.11.11-slim-bookworm
# Two malloc arenas per process: the threaded web workers hold less freed memory.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 MALLOC_ARENA_MAX=2
WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY accounts ./accounts
COPY registry ./registry
COPY uploads ./uploads
COPY web ./web
COPY templates ./templates
COPY manage.py ./
# Static files are part of the image (production mode serves only collected files); the key
# here only lets the settings load for the command.
RUN pip install --no-cache-dir ".[production]" \
    && DEBUG=0 SECRET_KEY=collectstatic-at-build-time-only python manage.py collectstatic --no-input -v0 \
    && useradd --create-home wheelhouse \
    && install -d -o wheelhouse /app/var/files /app/var/staging
# The server runs unprivileged: it reads /app (and the collected /app/var/static) and writes
# only /tmp (uploads being received, beat's schedule) and, with local storage, /app/var/files
# and /app/var/staging.
USER wheelhouse
EXPOSE 8000
# Threads: an upload request waits for its validation in a Celery worker, and must not
# hold a whole process (and every read queued behind it) while it waits.
CMD ["gunicorn", "config.wsgi", "-b", "0.0.0.0:8000", "-w", "4", "--worker-class", "gthread", \
     "--threads", "4", "--timeout", "120"]
