FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY accounts ./accounts
COPY registry ./registry
COPY uploads ./uploads
COPY templates ./templates
COPY manage.py ./
RUN pip install --no-cache-dir . && useradd --create-home wheelhouse
USER wheelhouse
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "-b", "0.0.0.0:8000", "-w", "4"]
