# The web, worker and beat image: one image, the command picks the role (see compose.yaml,
# whose commands are the Procfile's). Build: docker build -t orders .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY requirements.txt ./
RUN pip install -r requirements.txt

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app

COPY . .

# Static files are part of the image (WhiteNoise serves them with hashed names). Loading
# the settings with DEBUG off needs some SECRET_KEY; this one exists only for this step.
RUN DEBUG=0 SECRET_KEY=collectstatic-only-not-used-at-runtime \
        python manage.py collectstatic --noinput \
    && mkdir -p var/media var/mail \
    && chown -R app:app var

USER app

# gunicorn.conf.py listens on HOST:PORT; the rest of its settings come from the environment.
ENV HOST=0.0.0.0 PORT=8000
EXPOSE 8000

CMD ["gunicorn", "--config", "gunicorn.conf.py", "orders_project.wsgi"]
