"""The `seedfeed` command line."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from .load import Corpus, Loader
from .model import Level, SeedError
from .progress import Progress

SEEDS_OPTION = click.option(
    "--seeds", type=click.Path(file_okay=False, path_type=Path), default=Path("seeds"),
    envvar="SEEDFEED_SEEDS", show_default=True, show_envvar=True,
    help="Folder of seed files: <section>/*.txt and an optional site.toml.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="seedfeed")
def main() -> None:
    """Turn plain-text news dumps (seed documents) into feeds."""


def load_corpus(seeds: Path) -> Corpus:
    """Parse the seeds folder for a command, with a progress bar on long work."""
    if not seeds.is_dir():
        raise click.ClickException(f"seeds folder not found: {seeds}")
    progress = Progress("Parsing seeds")
    try:
        return Loader(seeds, on_progress=progress).load(now=time.time())
    except SeedError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        progress.close()


def report(corpus: Corpus) -> None:
    for problem in corpus.problems:
        click.echo(str(problem), err=True)


@main.command()
@SEEDS_OPTION
@click.option("--section", help="Only this section's entries.")
def entries(seeds: Path, section: str | None) -> None:
    """Print the entries as JSON Lines, newest first."""
    corpus = load_corpus(seeds)
    report(corpus)
    out = sys.stdout
    for entry in corpus.entries:
        if section is None or entry.section == section:
            out.write(json.dumps(entry.as_json(), ensure_ascii=False) + "\n")


@main.command()
@SEEDS_OPTION
def check(seeds: Path) -> None:
    """Parse without writing and print each problem as path:line: level: message."""
    corpus = load_corpus(seeds)
    for problem in corpus.problems:
        click.echo(str(problem))
    errors = sum(problem.level is Level.ERROR for problem in corpus.problems)
    warnings = len(corpus.problems) - errors
    click.echo(f"{len(corpus.entries)} entries in {len(corpus.sections())} sections; "
               f"{errors} errors, {warnings} warnings", err=True)
    sys.exit(1 if errors else 0)
