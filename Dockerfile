FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VAR_DIR=/var/lib/ct39
WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY orgunits ./orgunits
COPY plans ./plans
COPY tasks ./tasks
COPY reports ./reports
RUN pip install --no-cache-dir .
COPY . .
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput -v0 \
    && useradd --system --home /app ct39 && mkdir -p /var/lib/ct39 && chown ct39 /var/lib/ct39
USER ct39
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
