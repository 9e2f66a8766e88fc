"""The pages' own words and dates in a section's language (Babel, gettext catalogues).

Interface strings are English in the templates and translated by the gettext catalogue
`seedfeed/locale/<language>/LC_MESSAGES/messages.po`, read with Babel (no compiled .mo
to keep in step).  Dates are formatted by Babel's CLDR data in any language it knows
(`16 February 2024`, `16 февраля 2024 г.`).  A language without a catalogue gets the
English words and its own dates; `settings` warns of it.
"""

from __future__ import annotations

import io
from datetime import date
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # (Babel is imported when first needed: `check` of a site need not)
    from babel import Locale
    from babel.support import NullTranslations

SOURCE_LANGUAGE = "en"  # the templates' own words
# Babel's "en" writes American dates ("February 16, 2024"); a site that wants them says
# en-US.  Plain English gets the day first, as the seeds and most of the world write it.
_LOCALE_FOR = {"en": "en_GB"}


def catalogue_languages() -> frozenset[str]:
    """The languages (primary subtags) whose interface words seedfeed has."""
    folder = files("seedfeed").joinpath("locale")
    return frozenset({SOURCE_LANGUAGE} | {entry.name for entry in folder.iterdir()
                                          if entry.joinpath("LC_MESSAGES", "messages.po")
                                          .is_file()})


def primary(language: str) -> str:
    """A BCP 47 tag's language subtag, lower case: "ru" for "ru-RU"."""
    return language.split("-")[0].casefold()


@cache
def translations(language: str) -> NullTranslations:
    """The interface words for a BCP 47 language tag (English when there is no
    catalogue for its language)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import NullTranslations, Translations

    name = primary(language)
    if name == SOURCE_LANGUAGE or name not in catalogue_languages():
        return NullTranslations()
    source = files("seedfeed").joinpath("locale", name, "LC_MESSAGES", "messages.po")
    with source.open("rb") as handle:
        catalogue = read_po(handle, locale=name)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled)


def knows_dates(language: str) -> bool:
    """Whether Babel writes dates in `language` (else: English ones)."""
    return _locale(language) is not None


@cache
def _locale(language: str) -> Locale | None:
    """Babel's locale for a BCP 47 tag, else for its language subtag, else None."""
    from babel import Locale, UnknownLocaleError

    for tag in (language, primary(language)):
        tag = _LOCALE_FOR.get(tag.casefold(), tag)
        if tag.casefold() in ("und", "mul", "zxx", "mis"):
            continue  # (no language: Babel's root locale would write American dates)
        try:
            return Locale.parse(tag, sep="-" if "-" in tag else "_")
        except (UnknownLocaleError, ValueError):
            continue
    return None


@cache
def long_date(day: date, language: str) -> str:
    """A day as people write it in `language` (CLDR's long form): "16 February 2024",
    "16 февраля 2024 г."; English for a language Babel does not know."""
    from babel.dates import format_date

    return format_date(day, "long", locale=_locale(language)
                       or _locale(SOURCE_LANGUAGE))
