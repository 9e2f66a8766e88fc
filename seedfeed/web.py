"""The Flask application: health, errors and redirects around the document server."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, abort, jsonify, redirect, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.wrappers import Response

from .serve import NOSNIFF, Content, DocumentServer


def create_app(seeds: str | Path | None = None, test_config: dict[str, Any] | None = None
               ) -> Flask:
    """A Flask app serving the site built from `seeds` (default $SEEDFEED_SEEDS or ./seeds).

    test_config may set RELOAD_INTERVAL (seconds between checks of the seeds folder; 0
    turns the background reloader off), STATE (the site database, default
    $SEEDFEED_STATE or beside the seeds: see database.default_path) and BASE_URL (where
    the site is published, over site.toml's; default $SEEDFEED_BASE_URL).
    """
    app = Flask(__name__)
    app.config.from_mapping(
        SEEDS=str(seeds or os.environ.get("SEEDFEED_SEEDS", "seeds")),
        STATE=os.environ.get("SEEDFEED_STATE") or None,
        RELOAD_INTERVAL=float(os.environ.get("SEEDFEED_RELOAD_INTERVAL", "2")),
        BASE_URL=os.environ.get("SEEDFEED_BASE_URL") or None,
    )
    if test_config:
        app.config.update(test_config)
    state = app.config["STATE"]
    content = Content(Path(app.config["SEEDS"]), app.config["RELOAD_INTERVAL"],
                      Path(state) if state else None, app.config["BASE_URL"])
    content.refresh()
    content.start()
    app.extensions["seedfeed"] = content
    app.wsgi_app = DocumentServer(app.wsgi_app, content)  # type: ignore[method-assign]

    # No automatic OPTIONS: it answered 200 for any path, /nope included, while the
    # documents answer 405; every method but GET and HEAD now gets the same 404 or 405.
    @app.get("/healthz", provide_automatic_options=False)
    def healthz() -> Response:
        response = jsonify(content.health())
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/", defaults={"path": ""}, provide_automatic_options=False)  # before a load
    @app.get("/<path:path>", provide_automatic_options=False)
    def folder_without_slash(path: str) -> Response:
        """/news answers with a redirect to /news/, where the section page is."""
        if f"/{path}/" in content.snapshot.routes:
            return redirect(f"/{path}/", code=308)
        if f"/{path}" in content.snapshot.gone:
            abort(410)  # an entry that left the seeds: its URL is not reused
        if content.snapshot.corpus is None and content.last_error:
            abort(503)
        abort(404)

    def found_by_get() -> bool:
        """Whether a GET of this URL finds something (else any method gets a 404)."""
        try:
            endpoint, values = app.url_map.bind_to_environ(request.environ).match(method="GET")
        except HTTPException:
            return False
        return (endpoint != "folder_without_slash"
                or f"/{values['path']}/" in content.snapshot.routes)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        """A short plain-text body; never a traceback or an echo of the request."""
        if isinstance(error, MethodNotAllowed) and not found_by_get():
            error = NotFound()  # POST /nope: no "Allow: GET" for what GET cannot find
        response = error.get_response()
        response.set_data(f"{error.code} {error.name}\n")
        response.content_type = "text/plain; charset=utf-8"
        return response

    @app.after_request
    def harden(response: Response) -> Response:
        response.headers.setdefault(*NOSNIFF)
        return response

    return app
