# The Gebiedsregie app image. The database is a separate PostGIS (see docker-compose.yml);
# DATABASE_URL must point at it: the image never starts a database of its own.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    GEBIEDSREGIE_HOME=/app \
    GEBIEDSREGIE_HOST=0.0.0.0 \
    GEBIEDSREGIE_PORT=8000

WORKDIR /app

# A C compiler, for the stapeling's noder (an extension module); removed again below.
# Pango and a font: WeasyPrint lays out the PDF report with them.
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml setup.py README.md ./
COPY backend/gebiedsregie/__init__.py backend/gebiedsregie/__init__.py
COPY backend/gebiedsregie/stapeling/_noder.c backend/gebiedsregie/stapeling/_noder.c
RUN pip install --upgrade pip && pip install .

COPY backend backend
COPY migrations migrations
COPY alembic.ini ./
COPY geodata geodata
COPY frontend/static frontend/static
COPY frontend/templates frontend/templates
RUN pip install --no-deps . \
    && apt-get purge -y --auto-remove gcc libc6-dev \
    && useradd --system --uid 10001 --home-dir /app gebiedsregie \
    && chown -R gebiedsregie /app

USER gebiedsregie
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health').status != 200)"

# Migrations run at start (serve does them); seeding is a separate, explicit step.
CMD ["gebiedsregie", "serve"]
