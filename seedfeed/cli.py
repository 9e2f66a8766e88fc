"""The `seedfeed` command line."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .database import DatabaseError
from .model import Level, SeedError
from .progress import DELAY_SECONDS, Progress
from .publish import build as build_site

if TYPE_CHECKING:
    from .corpus import Corpus

# The parser and renderer are imported by the commands that use them, so that a build
# with nothing to do, or --help, starts in a few tens of milliseconds.

SEEDS_OPTION = click.option(
    "--seeds", type=click.Path(file_okay=False, path_type=Path), default=Path("seeds"),
    envvar="SEEDFEED_SEEDS", show_default=True, show_envvar=True,
    help="Folder of seed files: <section>/*.txt and an optional site.toml.",
)


STATE_OPTION = click.option(
    "--state", type=click.Path(dir_okay=False, path_type=Path), default=None,
    envvar="SEEDFEED_STATE", show_envvar=True,
    help="The site database: every entry ever published (ids, URLs, when each changed) "
    "and when each document last changed. Default: beside the seeds folder, "
    "<seeds>.seedfeed.sqlite. Build and serve on the same seeds must share it.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]},
             invoke_without_command=True)
@click.version_option(package_name="seedfeed")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Turn plain-text news dumps (seed documents) into feeds."""
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


def require_folder(seeds: Path) -> None:
    if not seeds.is_dir():
        raise click.ClickException(
            f"seeds folder not found: {seeds} (choose it with --seeds or SEEDFEED_SEEDS)")


WEBSUB_OPTION = click.option(
    "--websub/--no-websub", default=True, show_default=True,
    help="Tell the WebSub hub of site.toml (websub_hub) which feeds changed. Build with "
    "--no-websub when `seedfeed deploy` publishes the build (it tells the hub then).")
STRICT_OPTION = click.option("--strict", is_flag=True,
                             help="Fail (exit 1) on warnings too, not only on errors: for CI.")


def check_base_url(base_url: str | None) -> None:
    if base_url is not None:
        from .settings import is_http_url

        if not is_http_url(base_url):
            raise click.BadParameter("must be an absolute http(s) URL with a host",
                                     param_hint="--base-url")


def load_corpus(seeds: Path, describe: bool = False) -> Corpus:
    """Parse the seeds folder for a command, with a progress bar on long work."""
    require_folder(seeds)
    from .load import Loader

    progress = Progress("Parsing seeds")
    try:
        return Loader(seeds, on_progress=progress, describe=describe).load(now=time.time())
    except SeedError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        progress.close()


SERIOUS = (Level.WARNING, Level.ERROR)


def report(corpus: Corpus) -> None:
    """Warnings and errors on stderr (`check` also lists the notes)."""
    for problem in corpus.problems:
        if problem.level in SERIOUS:
            click.echo(str(problem), err=True)


class StageProgress:
    """One progress bar per stage of a build (parse, render, write)."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.bars: dict[str, Progress] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        bar = self.bars.get(stage)
        if bar is None:
            for other in self.bars.values():
                other.close()
            # Builds over a second get a bar: count the delay from the build's start.
            delay = max(0.0, DELAY_SECONDS - (time.monotonic() - self.started))
            bar = self.bars[stage] = Progress(f"{stage:<7}", delay=delay)
        bar(done, total)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default="seeds")
def init(folder: Path) -> None:
    """Start a site: create FOLDER (default ./seeds) with a commented site.toml naming
    every setting and a `news` section with a seed in each layout seedfeed reads.  It
    builds and serves as it is.  Never overwrites a file."""
    from .starter import create

    try:
        written = create(folder)
    except FileExistsError as exc:
        raise click.ClickException(f"not overwriting: {exc}") from exc
    for path in written:
        click.echo(f"created {path}", err=True)
    hint = "" if folder == Path("seeds") else f" --seeds {folder}"
    click.echo(f"next: seedfeed check{hint}, then seedfeed build{hint} or seedfeed "
               f"serve{hint}", err=True)


@main.command()
@SEEDS_OPTION
@click.option("--section", help="Only this section's entries.")
@STATE_OPTION
def entries(seeds: Path, section: str | None, state: Path | None) -> None:
    """Print the entries as JSON Lines, newest first, with the ids and times the site
    database gives them (when there is one: this command never creates nor changes it)."""
    corpus = load_corpus(seeds)
    from .database import Database, default_path
    from .ledger import Ledger

    state = state or default_path(seeds)
    if state.exists():
        try:
            db = Database(state)
        except DatabaseError as exc:
            raise click.ClickException(str(exc)) from exc
        try:
            corpus = Ledger(db).reconcile(corpus, record=False)
        finally:
            db.close()
    report(corpus)
    if section is not None and section not in corpus.by_section:
        raise click.BadParameter(
            f"no section {section!r}; the sections are "
            f"{', '.join(repr(name) for name in corpus.by_section) or 'none yet'}",
            param_hint="--section")
    out = sys.stdout
    for entry in corpus.entries:
        if section is None or entry.section == section:
            out.write(json.dumps(entry.as_json(), ensure_ascii=False) + "\n")


@main.command()
@SEEDS_OPTION
@click.option("--verbose", "-v", is_flag=True,
              help="Also say, for each file, which layout and date forms were recognised.")
@STRICT_OPTION
def check(seeds: Path, verbose: bool, strict: bool) -> None:
    """Parse without writing and print each problem as path:line: level: message.

    error: text that is not published; warning: text published on a guess (a year, an
    encoding); note: a decision taken with confidence (furniture dropped, a block joined
    to the item above, a year carried from a neighbouring item).  Exits 1 on any error.
    """
    corpus = load_corpus(seeds, describe=verbose)
    from .render.site import oversized_feeds, render_feeds

    problems = [*corpus.problems,
                *oversized_feeds((path, len(body)) for path, body in render_feeds(corpus))]
    counts = dict.fromkeys(Level, 0)
    for problem in problems:
        counts[problem.level] += 1
        click.echo(str(problem))
    click.echo(f"{len(corpus.order)} entries in {len(corpus.sections())} sections; "
               f"{counts[Level.ERROR]} errors, {counts[Level.WARNING]} warnings, "
               f"{counts[Level.NOTE]} notes", err=True)
    sys.exit(1 if counts[Level.ERROR] or (strict and counts[Level.WARNING]) else 0)


@main.command()
@SEEDS_OPTION
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("feeds"),
              show_default=True, help="Folder to write the static site to.")
@click.option("--base-url", help="Absolute URL the output is published at "
              "(overrides site.toml).")
@click.option("--gzip", "precompress", is_flag=True,
              help="Also write a precompressed .gz beside each document, for gzip_static.")
@STATE_OPTION
@STRICT_OPTION
@click.option("--watch", is_flag=True,
              help="Then keep watching the seeds folder and build again whenever it changes "
              "(Ctrl-C stops).")
@WEBSUB_OPTION
def build(seeds: Path, out: Path, base_url: str | None, precompress: bool,
          state: Path | None, strict: bool, watch: bool, websub: bool) -> None:
    """Render every feed and page and write them to --out as static files."""
    require_folder(seeds)
    check_base_url(base_url)

    def once() -> None:
        _build_once(seeds, out, base_url, precompress, state, strict, websub)

    if not watch:
        once()
        return
    from watchfiles import watch as changes

    def visible(_change: object, path: str) -> bool:  # (hidden files are no seeds)
        return not Path(path).name.startswith(".")

    try:
        _keep_going(once)
        click.echo(f"watching {seeds} (Ctrl-C stops)", err=True)
        for _ in changes(seeds, watch_filter=visible, debounce=WATCH_DEBOUNCE_MS):
            _keep_going(once)
    except KeyboardInterrupt:
        pass


def _report_announcements(hub: str, told: list[str], failures: list[str]) -> None:
    if told:
        click.echo(f"websub: told {hub} of {len(told)} changed feeds", err=True)
    for failure in failures:
        click.echo(f"warning: {failure}", err=True)


WATCH_DEBOUNCE_MS = 500  # changes this close together (a scraper's run) make one build


def _keep_going(build_once: Callable[[], None]) -> None:
    """A watching build reports a failed build and waits for the next change."""
    try:
        build_once()
    except click.ClickException as exc:
        exc.show()


def _build_once(seeds: Path, out: Path, base_url: str | None, precompress: bool,
                state: Path | None, strict: bool, websub: bool = True) -> None:
    started = time.monotonic()
    progress = StageProgress()
    try:
        result, problems = build_site(seeds, out, now=time.time(), base_url=base_url,
                                      precompress=precompress, on_progress=progress,
                                      state=state)
    except (SeedError, DatabaseError) as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc}") from exc
    finally:
        progress.close()
    for problem in problems:
        if problem.level in SERIOUS:
            click.echo(str(problem), err=True)
    notes = sum(problem.level is Level.NOTE for problem in problems)
    if notes:
        click.echo(f"{notes} notes on what was decided for you (lines dropped or joined, "
                   "years inferred, languages): seedfeed check lists them", err=True)
    click.echo(
        f"{result.sections} sections, {result.entries} entries: {result.written} written, "
        f"{result.unchanged} unchanged, {result.removed} removed "
        f"in {time.monotonic() - started:.2f} s", err=True)
    if websub and result.hub and result.feeds:
        from .database import Database, default_path
        from .websub import announce_feeds

        db = Database(state or default_path(seeds))
        try:
            told, failures = announce_feeds(db, result.hub, result.feeds)
        finally:
            db.close()
        _report_announcements(result.hub, told, failures)
    if strict and any(problem.level in SERIOUS for problem in problems):
        raise click.ClickException("--strict: the seeds have warnings or errors (above); "
                                   "the site was written all the same")


@main.command()
@SEEDS_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="gunicorn worker processes.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 256),
              help="Threads per worker (gthread).")
@click.option("--access-log", type=click.Path(dir_okay=False), default=None,
              help="Write gunicorn's access log here ('-' for stdout).")
@click.option("--base-url", help="Absolute URL the site is served at (overrides site.toml).")
@STATE_OPTION
def serve(seeds: Path, host: str, port: int, workers: int, threads: int,
          access_log: str | None, base_url: str | None, state: Path | None) -> None:
    """Serve the feeds over HTTP with gunicorn, reloading when the seeds change."""
    require_folder(seeds)
    check_base_url(base_url)
    if base_url is not None:
        os.environ["SEEDFEED_BASE_URL"] = base_url
    if port:
        _check_port(host, port)
    os.environ["SEEDFEED_SEEDS"] = str(seeds.resolve())
    if state is not None:
        os.environ["SEEDFEED_STATE"] = str(state.resolve())
    # No control socket: it is shared under ~/.gunicorn by every instance otherwise.
    argv = [sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}",
            "--workers", str(workers), "--threads", str(threads),
            "--worker-class", "gthread", "--no-control-socket",
            "--graceful-timeout", "5", "seedfeed:create_app()"]
    if access_log:
        argv[3:3] = ["--access-logfile", access_log]
    os.execv(sys.executable, argv)


@main.command()
@SEEDS_OPTION
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("feeds"),
              show_default=True, help="The static build to publish (seedfeed build --out).")
@click.option("--to", "to", required=True, metavar="s3://BUCKET[/PREFIX]",
              help="Where to publish: a bucket of any S3-compatible store, and a prefix.")
@click.option("--endpoint-url", envvar="AWS_ENDPOINT_URL", show_envvar=True,
              help="The store's S3 endpoint, for stores other than AWS S3 (R2, MinIO, ...).")
@click.option("--delete/--no-delete", default=True, show_default=True,
              help="Remove the objects seedfeed put there that are no longer in the build.")
@click.option("--force", is_flag=True,
              help="Overwrite, and with --delete remove, objects seedfeed did not put under "
              "the prefix (refused otherwise).")
@click.option("--gzip", "gzip_mode", type=click.Choice(["twins", "encoding"]),
              default="twins", show_default=True,
              help="Of a build made with --gzip: publish the .gz twins as their own objects, "
              "or each document's compressed bytes under its own key (Content-Encoding: "
              "gzip). See README.")
@click.option("--dry-run", is_flag=True, help="Print what would be done; change nothing.")
@WEBSUB_OPTION
def deploy(seeds: Path, out: Path, to: str, endpoint_url: str | None, delete: bool,
           force: bool, gzip_mode: str, dry_run: bool, websub: bool) -> None:
    """Publish a static build to S3-compatible object storage, only what changed.

    Credentials come from the standard AWS chain (AWS_ACCESS_KEY_ID and
    AWS_SECRET_ACCESS_KEY, ~/.aws/credentials, a profile in AWS_PROFILE, ...).
    Cache-Control follows the seeds' site.toml (max_age).
    """
    from .deploy import DeployError, parse_target
    from .deploy import deploy as deploy_build
    from .settings import load_settings

    try:
        target = parse_target(to)
    except DeployError as exc:
        raise click.BadParameter(str(exc), param_hint="--to") from exc
    if endpoint_url is not None:
        from .settings import is_http_url

        if not is_http_url(endpoint_url):
            raise click.BadParameter("must be an http(s) URL, such as https://s3.example.org",
                                     param_hint="--endpoint-url")
    require_folder(seeds)
    try:
        settings = load_settings(seeds)
    except SeedError as exc:
        raise click.ClickException(str(exc)) from exc
    progress = Progress("Uploading")
    try:
        summary = deploy_build(out, target, max_age=settings.max_age, gzip=gzip_mode,
                               delete=delete, force=force, dry_run=dry_run,
                               endpoint_url=endpoint_url, on_progress=progress)
    except DeployError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        progress.close()
    for line in summary.plan:
        click.echo(line)
    counts = (f"{summary.uploaded} uploaded, {summary.unchanged} unchanged, "
              f"{summary.deleted} deleted, {summary.bytes} bytes in {summary.seconds:.2f} s")
    if dry_run:
        click.echo(f"dry run, nothing changed: would be {counts}", err=True)
    elif summary.uploaded or summary.deleted:
        click.echo(f"{target.url()}: {counts}", err=True)
    else:
        click.echo(f"{target.url()}: nothing changed ({counts})", err=True)
    if websub and settings.websub_hub and summary.feeds:
        from .websub import announce_feeds

        # (each feed at the URL it names itself: the build's --base-url, if it had one)
        told, failures = announce_feeds(None, settings.websub_hub, [
            (url, "") for url in summary.feeds])
        _report_announcements(settings.websub_hub, told, failures)


def _check_port(host: str, port: int) -> None:
    """One clear line when the address is taken (gunicorn would retry and log ten)."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise click.BadParameter(f"cannot resolve {host!r}: {exc.strerror}",
                                 param_hint="--host") from exc
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # (as gunicorn does)
        try:
            probe.bind(address)
        except OSError as exc:
            raise click.ClickException(
                f"cannot listen on {host}:{port}: {exc.strerror} (another server there? "
                "choose another --port)") from exc
