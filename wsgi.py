"""WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi run` (seeds: $SEEDFEED_SEEDS)."""

from seedfeed import create_app

app = create_app()
