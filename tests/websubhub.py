"""A real WebSub hub and subscriber on 127.0.0.1 for the WebSub tests (flask-websub).

The hub is flask-websub's, with publish requests allowed (PUBLISH_SUPPORTED) and its
tasks run by Celery in eager mode (no broker): a publish request is answered once the
hub has fetched the feed and posted it to every subscriber.  A middleware counts the
publish requests it is sent.  The subscriber is flask-websub's too: it finds the hub
from the feed itself (its rel="hub" and rel="self") and keeps every body pushed to it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from werkzeug.serving import make_server


@dataclass
class Hub:
    url: str
    published: list[str] = field(default_factory=list)  # topic URLs, in order


@dataclass
class Subscriber:
    base: str
    subscribe: Callable[[str], str]  # feed URL -> callback id (discovered from the feed)
    received: list[tuple[str, bytes]] = field(default_factory=list)  # (topic, body)
    confirmed: list[str] = field(default_factory=list)  # topics


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """A WSGI app on a free 127.0.0.1 port in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@contextmanager
def websub_hub(root: Path) -> Iterator[Hub]:
    from celery import Celery
    from flask import Flask
    from flask_websub.hub import Hub as WebSubHub
    from flask_websub.hub import SQLite3HubStorage

    celery = Celery("seedfeed-test-hub", set_as_current=False)
    celery.conf.update(task_always_eager=True, task_eager_propagates=False,
                       broker_url="memory://", result_backend="cache+memory://")
    app = Flask("seedfeed-test-hub")
    app.config.update(PUBLISH_SUPPORTED=True, REQUEST_TIMEOUT=5)
    hub = WebSubHub(SQLite3HubStorage(str(root / "hub.sqlite")), celery,
                    PUBLISH_SUPPORTED=True, REQUEST_TIMEOUT=5, MAX_ATTEMPTS=2,
                    BACKOFF_BASE=0.1)
    app.register_blueprint(hub.build_blueprint(url_prefix="/hub"))
    record = Hub("")

    def counting(environ: dict[str, Any], start_response: Any) -> Any:
        if environ["REQUEST_METHOD"] == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            form = parse_qs(body.decode())
            if form.get("hub.mode") == ["publish"]:
                record.published.append(form["hub.url"][0])
            import io

            environ["wsgi.input"] = io.BytesIO(body)
        return app.wsgi_app(environ, start_response)

    with serving(counting) as base:
        record.url = base + "/hub"
        yield record


@contextmanager
def websub_subscriber(root: Path) -> Iterator[Subscriber]:
    from flask import Flask
    from flask_websub.subscriber import (
        SQLite3SubscriberStorage,
        SQLite3TempSubscriberStorage,
        discover,
    )
    from flask_websub.subscriber import Subscriber as WebSubSubscriber

    app = Flask("seedfeed-test-subscriber")
    app.config["AUTO_SET_SECRET"] = False
    subscriber = WebSubSubscriber(SQLite3SubscriberStorage(str(root / "subscriber.sqlite")),
                                  SQLite3TempSubscriberStorage(str(root / "temp.sqlite")),
                                  REQUEST_TIMEOUT=5)
    app.register_blueprint(subscriber.build_blueprint(url_prefix="/callbacks"))
    record = Subscriber("", lambda url: "")

    @subscriber.add_listener
    def on_push(topic: str, _callback_id: str, body: bytes) -> None:
        record.received.append((topic, body))

    @subscriber.add_success_handler
    def on_confirmed(topic: str, _callback_id: str, mode: str) -> None:
        if mode == "subscribe":
            record.confirmed.append(topic)

    with serving(app) as base:
        def subscribe(feed_url: str) -> str:
            with app.test_request_context(base_url=base + "/"):
                return str(subscriber.subscribe(**discover(feed_url, timeout=5)))

        record.base, record.subscribe = base, subscribe
        yield record
