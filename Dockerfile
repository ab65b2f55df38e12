FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY factcheck ./factcheck
COPY articles ./articles
RUN pip install --no-cache-dir .
COPY . .
# DEBUG off, so the manifest that production's static storage reads is written.
RUN DEBUG=0 SECRET_KEY=build-only python manage.py collectstatic --noinput
RUN useradd --system factcheck
USER factcheck
EXPOSE 8000
CMD ["gunicorn", "factcheck.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
