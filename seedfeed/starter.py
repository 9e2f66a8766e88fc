"""`seedfeed init`: a new seeds folder that builds and serves as it is.

A site.toml naming every setting (commented out at its default, with what it means) and
one section, `news`, with a seed in each layout seedfeed reads: blocks separated by blank
lines, one block per line, and hard-wrapped paragraphs.  The texts are made up.
"""

from __future__ import annotations

from pathlib import Path

SITE_TOML = """\
# The settings of this seeds folder (TOML).  Every key is optional; each line below that
# starts with "# " shows a setting at its default: remove the "# " to change it.

[site]
title = "Example News"                   # the site's and the combined feed's title
description = "News of an example town"  # the combined feed's description
# Where the site is published: feeds carry absolute links.  The entry ids are made from
# its host (or from id_authority), and ids are permanent: set it before publishing.
base_url = "https://news.example.org/"
# id_authority = ""           # the tag: authority of entry ids (RFC 4151): a domain
                              # name or an e-mail address you own; default base_url's host
# language = "en"             # the site's language, a BCP 47 tag: "en", "en-US", "ru"
# timezone = "Europe/Moscow"  # a date printed without a time is dated at noon there
# entries_per_feed = 50       # the newest entries in each feed
# default_section = "news"    # the section of seed files directly in this folder
# preferred_format = "atom"   # the format feeds.opml subscribes to: atom, rss or json
# max_age = 300               # seconds readers and caches may keep a document
# author = ""                 # the feeds' author (default: the title)
# websub_hub = ""             # a WebSub hub's URL: feeds name it, and it is told of changes

# One table per section (a folder of seed files); all of its keys are optional too.
[sections.news]
title = "Town news"
description = "What the town council and its services announced"
# language = "en"             # its pages' words and dates, its feeds' (default: the site's)
# date_order = "dmy"          # how to read 03/04/2025: "dmy" (3 April) or "mdy" (4 March)
# year = 2025                 # the year of dates written without one, when no item gives it
# drop = ["Share this page"]  # furniture: whole lines to remove ('/regex/' for a pattern)
# stop_at = ["Related news"]  # lines where an entry's text stops (they are dropped too)
"""

# Blocks separated by blank lines: a listing of brief dated items, then an article.
PARAGRAPHS = """\
On 14 March 2025, the town council approved the plan to repave the market square over the summer.

On 12 March 2025, the library opened a reading room for children on its ground floor.

New timetable for the river ferry

New timetable for the river ferry 10.03.2025

From Monday the river ferry leaves the north pier every twenty minutes in the morning.

The evening crossings stay as they were. Tickets bought before the change remain valid.

Go back
"""

# One block per line, no blank lines: what most HTML-to-text tools write.
LINES = """\
Bicycle lanes on the harbour road
Bicycle lanes on the harbour road 07.03.2025
Painted lanes for bicycles now run along the whole harbour road.
The council thanked the residents who suggested them at the January meeting.
Go back
"""

# Paragraphs hard-wrapped at 72 columns, as some tools and mail archives keep them.
WRAPPED = """\
On 5 March 2025, the water company announced that the old pumping station
by the canal will be turned into a small museum of the town's water supply,
with guided visits on the first Sunday of every month.

On 3 March 2025, volunteers planted forty lime trees along the avenue that
leads from the station to the town hall.
"""

FILES = {
    "site.toml": SITE_TOML,
    "news/listing.txt": PARAGRAPHS,
    "news/one-block-per-line.txt": LINES,
    "news/hard-wrapped.txt": WRAPPED,
}


def create(folder: Path) -> list[Path]:
    """Write the starter files under `folder` (made if missing); returns their paths.

    Raises FileExistsError, having written nothing, when any of them exists already.
    """
    targets = [folder / rel for rel in FILES]
    existing = [path for path in targets if path.exists()]
    if existing:
        raise FileExistsError(", ".join(str(path) for path in existing))
    for path, text in zip(targets, FILES.values(), strict=True):
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as handle:  # (never over a file)
            handle.write(text)
    return targets
