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

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

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


@cache
def _locale(language: str) -> Locale:
    tag = _LOCALE_FOR.get(language.casefold(), language)
    try:
        return Locale.parse(tag, sep="-" if "-" in tag else "_")
    except (UnknownLocaleError, ValueError):
        try:
            return Locale.parse(primary(language))
        except (UnknownLocaleError, ValueError):
            return Locale.parse(_LOCALE_FOR[SOURCE_LANGUAGE])


@cache
def long_date(day: date, language: str) -> str:
    """A day as people write it in `language` (CLDR's long form): "16 February 2024",
    "16 февраля 2024 г."; English for a language Babel does not know."""
    return format_date(day, "long", locale=_locale(language))
