"""Deterministic generator of synthetic seed corpora for benchmarks.

`write_corpus(root, n_entries)` writes a seeds folder shaped like the real CSTO news dumps
(see ``seeds/news/*.txt``): a ``site.toml`` plus ``section-NN/NNN_<hex>.txt`` files of about
200 items each. The items are a mix of

* English listings (about 60 % of items): paragraphs starting "On 16 February 2024, ...",
  newest first, one or two paragraphs each; about 10 % of them give no year ("On 7 February,
  ...") and are always inferable: the item directly above has an explicit year, the same
  year, and a date that is not before the undated one;
* Russian listings (about 20 %): "16 февраля 2024 года ..." or "14 февраля ...", same rules;
* full articles (about 20 %, half English, half Russian): a title paragraph, the title again
  followed by a dd.mm.yyyy date, 3–8 body paragraphs, then the navigation footer ("Go back",
  "Back to the section", "Back to the all news"; or "Вернуться назад").

Every item's first sentence (or an article's title) carries a code name derived from a
global serial number, so no two items share their text. Dates are real calendar days in
2015–2024 and run newest first through each file. The output depends only on the arguments:
the generator uses one seeded `random.Random` and never reads the clock.

Command line: ``python tests/gencorpus.py DIR N`` writes the corpus and prints the counts as
JSON.
"""

from __future__ import annotations

import json
import math
import random
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

ITEMS_PER_FILE = 200
FIRST_DAY = date(2015, 1, 1)
LAST_DAY = date(2024, 12, 31)
SHARE_ENGLISH = 0.6
SHARE_RUSSIAN = 0.2  # the rest are articles
SHARE_UNDATED = 0.125  # chance an eligible listing item drops its year (~10 % of all items)
SHARE_TWO_PARAGRAPHS = 0.3
LISTING_RUN = (5, 40)  # items per listing block

MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
MONTHS_RU = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip
FOOTER_EN = ("Go back", "Back to the section", "Back to the all news")
FOOTER_RU = ("Вернуться назад",)

# --- English vocabulary -------------------------------------------------------------------

ORGS_EN = (
    "the CSTO Secretariat",
    "the CSTO Joint Staff",
    "the CSTO Parliamentary Assembly",
    "the Council of Foreign Ministers",
    "the Council of Defence Ministers",
    "the Committee of Secretaries of Security Councils",
    "the CSTO Crisis Response Centre",
    "the CSTO Academic and Expert Council",
    "the Coordination Council for Emergency Situations",
    "the CSTO Permanent Council",
)
PEOPLE_EN = (
    "the CSTO Secretary General",
    "the Deputy Secretary General",
    "the Chief of the Joint Staff",
    "the Chairman of the Permanent Council",
    "the Permanent Representative of the Republic of Armenia",
    "the Permanent Representative of the Republic of Belarus",
    "the Permanent Representative of the Republic of Kazakhstan",
    "the Permanent Representative of the Kyrgyz Republic",
    "the Permanent Representative of the Russian Federation",
    "the Permanent Representative of the Republic of Tajikistan",
    "the head of the Analytical Department",
)
CITIES_EN = (
    "Moscow", "Minsk", "Astana", "Bishkek", "Dushanbe", "Yerevan",
    "Almaty", "Saint Petersburg", "Osh", "Brest", "Gyumri", "Khujand",
)  # fmt: skip
CHAIRS_EN = ("Armenia's", "Belarus'", "Kazakhstan's", "Kyrgyzstan's", "Russia's", "Tajikistan's")
EVENTS_EN = (
    "an expert meeting",
    "a working consultation",
    "a briefing",
    "a round table",
    "a staff training session",
    "an educational seminar (coaching session)",
    "a videoconference",
    "an international scientific conference",
    "a command post exercise",
)
TOPICS_EN = (
    "countering international terrorism",
    "information security",
    "illegal migration",
    "drug trafficking in Central Asia",
    "the situation on the Tajik-Afghan border",
    "peacekeeping capabilities",
    "joint training of the collective forces",
    "biological safety",
    "cooperation with the UN and the SCO",
    "the protection of critical infrastructure",
    "the agenda of the upcoming summit",
    "the fight against cybercrime",
    "emergency response in mountainous areas",
    "the budget of the Organization",
    "crisis settlement in the CSTO area of responsibility",
)
PARTICIPANTS_EN = (
    "heads of departments and experts of the Secretariat",
    "representatives of the scientific community",
    "students and postgraduates of leading universities",
    "officers of the collective rapid reaction forces",
    "representatives of the press services of the defence departments",
    "members of the parliaments of the member states",
    "journalists from the member states",
)
FIRST_EN = (
    "{d}, the {c} working group of {org} held {event} on {topic} in {city}.",
    "{d}, the {c} delegation met with {person} to discuss {topic}.",
    "{d}, the {c} expert council convened in {city} under the chairmanship of {person}.",
    "{d}, the {c} session of {org} focused on {topic}; {person} opened the meeting.",
    "{d}, mission {c} of {org} reported on {topic} in {city}.",
    '{d}, the "{c}" forum organised by {org} brought together {participants} in {city}.',
)
MORE_EN = (
    "The parties exchanged views on {topic} and agreed to continue consultations.",
    "{Person} stressed the importance of {topic} for the stability of the region.",
    "Participants noted that work on {topic} is a priority of {chair} chairmanship this year.",
    "Representatives of the mass media of the member states took part via videoconferencing.",
    "Following the meeting, a joint statement on {topic} was adopted.",
    "The next round of talks is scheduled to take place in {city}.",
    "Special attention was paid to {topic} and to {topic2}.",
    "According to {person}, progress on {topic} requires coordinated efforts of all members.",
    "The event was attended by {participants}.",
    "In addition, the sides discussed the preparation of {event} on {topic}.",
    '"We have to stick together on {topic}," {person} said.',
    "The results will be presented to {org} before the end of the year.",
)
TITLES_EN = (
    "The {c} working group discussed {topic}",
    "{Person} met with the {c} delegation in {city}",
    "Meeting of the {c} expert council on {topic}",
    'The CSTO Secretary General took part in the "{c}" conference',
    "{Org} held the {c} briefing on {topic}",
    "Results of the {c} exercise presented in {city}",
)

# --- Russian vocabulary -------------------------------------------------------------------

ORGS_RU_GEN = (
    "Секретариата ОДКБ",
    "Объединённого штаба ОДКБ",
    "Парламентской Ассамблеи ОДКБ",
    "Совета министров иностранных дел",
    "Совета министров обороны",
    "Комитета секретарей советов безопасности",
    "Центра кризисного реагирования ОДКБ",
    "Научно-экспертного совета ОДКБ",
)
PEOPLE_RU_NOM = (
    "Генеральный секретарь ОДКБ",
    "Заместитель Генерального секретаря ОДКБ",
    "Начальник Объединённого штаба ОДКБ",
    "Председатель Постоянного совета",
    "Постоянный представитель Республики Казахстан",
    "Постоянный представитель Кыргызской Республики",
    "Постоянный представитель Российской Федерации",
)
PEOPLE_RU_GEN = (
    "Генерального секретаря ОДКБ",
    "заместителя Генерального секретаря ОДКБ",
    "Начальника Объединённого штаба ОДКБ",
    "Председателя Постоянного совета",
    "Постоянного представителя Республики Армения",
    "Постоянного представителя Республики Беларусь",
    "Постоянного представителя Республики Таджикистан",
)
PEOPLE_RU_INS = (
    "Генеральным секретарём ОДКБ",
    "заместителем Генерального секретаря ОДКБ",
    "Начальником Объединённого штаба ОДКБ",
    "Председателем Постоянного совета",
    "Постоянным представителем Республики Армения",
    "Постоянным представителем Российской Федерации",
)
CITIES_RU_PREP = (
    "в Москве", "в Минске", "в Астане", "в Бишкеке", "в Душанбе", "в Ереване",
    "в Алматы", "в Санкт-Петербурге", "в Оше", "в Бресте",
)  # fmt: skip
CHAIRS_RU_GEN = (
    "Республики Армения", "Республики Беларусь", "Республики Казахстан",
    "Кыргызской Республики", "Российской Федерации", "Республики Таджикистан",
)  # fmt: skip
TOPICS_RU_GEN = (
    "противодействия международному терроризму",
    "информационной безопасности",
    "борьбы с незаконной миграцией",
    "противодействия незаконному обороту наркотиков",
    "обстановки на таджикско-афганской границе",
    "миротворческой деятельности",
    "совместной подготовки коллективных сил",
    "биологической безопасности",
    "сотрудничества с ООН и ШОС",
    "защиты критически важной инфраструктуры",
    "подготовки к предстоящему саммиту",
    "противодействия киберпреступности",
)
PARTICIPANTS_RU_GEN = (
    "пресс-служб оборонных ведомств государств – членов ОДКБ",
    "научного сообщества",
    "профильных министерств и ведомств",
    "средств массовой информации",
    "ведущих российских вузов",
    "коллективных сил оперативного реагирования",
)
FIRST_RU = (
    "{d} {city} состоялось заседание рабочей группы «{c}» {org} по вопросам {topic}.",
    "{d} делегация «{c}» встретилась с {person_ins}, обсуждались вопросы {topic}.",
    "{d} семинар «{c}» прошёл на площадке {org} и был посвящён вопросам {topic}.",
    "{d} экспертный совет «{c}» собрался {city} под председательством {person_gen}.",
    "{d} в режиме видеоконференции прошло совещание «{c}», посвящённое вопросам {topic}.",
)
MORE_RU = (
    "Стороны обменялись мнениями по вопросам {topic} и договорились продолжить консультации.",
    "Особое внимание было уделено вопросам {topic} и {topic2}.",
    "По итогам встречи принято совместное заявление по вопросам {topic}.",
    "В мероприятии приняли участие представители {participants}.",
    "Следующий раунд консультаций планируется провести {city}.",
    "{person} подчеркнул важность {topic} для обеспечения стабильности в регионе.",
    "Участники отметили, что вопросы {topic} остаются приоритетом председательства {chair}.",
    "Кроме того, стороны обсудили подготовку к очередной сессии {org}.",
    "«Проблемы существуют для того, чтобы их решать», – отметил {person}.",
)
TITLES_RU = (
    "Рабочая группа «{c}» обсудила вопросы {topic}",
    "{person} встретился с делегацией «{c}» {city}",
    "Заседание экспертного совета «{c}» по вопросам {topic}",
    "Итоги учения «{c}» представлены {city}",
    "Семинар «{c}» на площадке {org}",
)

SCRAMBLE = 2_654_435_761  # a prime, so coprime with any syllable count below it
SYLLABLES_EN = tuple(c + v for c in "bdgklmnprstvz" for v in "aeiou")
SYLLABLES_RU = tuple(c + v for c in "бвгдзклмнпрстф" for v in "аеиоу")


def code_name(serial: int, syllables: tuple[str, ...]) -> str:
    """A pronounceable, capitalised word that is distinct for every non-negative serial.

    Serials below ``len(syllables) ** 4`` are scrambled (multiplied by a constant coprime
    with the modulus, a bijection) into four syllables so that neighbours look unrelated;
    larger ones get five or more syllables.
    """
    base = len(syllables)
    space = base**4
    if serial < space:
        n, width = serial * SCRAMBLE % space, 4
    else:
        n, width = serial, 5  # already five or more digits
    parts: list[str] = []
    while n or len(parts) < width:
        n, digit = divmod(n, base)
        parts.append(syllables[digit])
    return "".join(reversed(parts)).capitalize()


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


class _Writer:
    """Builds the text of one corpus; all randomness comes from `rng`."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.random = rng.random
        self.serial = 0

    def pick(self, seq: tuple[str, ...]) -> str:
        """`rng.choice` without its overhead (this is the generator's hot spot)."""
        return seq[int(self.random() * len(seq))]

    def two(self, seq: tuple[str, ...]) -> tuple[str, str]:
        """Two different members of `seq`."""
        n = len(seq)
        i = int(self.random() * n)
        return seq[i], seq[(i + 1 + int(self.random() * (n - 1))) % n]

    def next_code(self, syllables: tuple[str, ...]) -> str:
        self.serial += 1
        return code_name(self.serial, syllables)

    # -- vocabulary fill-ins ---------------------------------------------------------------

    def _words_en(self, code: str = "", d: str = "") -> dict[str, str]:
        c = self.pick
        person = c(PEOPLE_EN)
        org = c(ORGS_EN)
        topic, topic2 = self.two(TOPICS_EN)
        return {
            "d": d,
            "c": code,
            "org": org,
            "Org": _cap(org),
            "person": person,
            "Person": _cap(person),
            "city": c(CITIES_EN),
            "chair": c(CHAIRS_EN),
            "event": c(EVENTS_EN),
            "topic": topic,
            "topic2": topic2,
            "participants": c(PARTICIPANTS_EN),
        }

    def _words_ru(self, code: str = "", d: str = "") -> dict[str, str]:
        c = self.pick
        topic, topic2 = self.two(TOPICS_RU_GEN)
        return {
            "d": d,
            "c": code,
            "org": c(ORGS_RU_GEN),
            "person": c(PEOPLE_RU_NOM),
            "person_gen": c(PEOPLE_RU_GEN),
            "person_ins": c(PEOPLE_RU_INS),
            "city": c(CITIES_RU_PREP),
            "chair": c(CHAIRS_RU_GEN),
            "topic": topic,
            "topic2": topic2,
            "participants": c(PARTICIPANTS_RU_GEN),
        }

    def _paragraph(
        self,
        first: str | None,
        more: tuple[str, ...],
        words: Callable[[], dict[str, str]],
        low: int,
        high: int,
    ) -> str:
        """`first` (or a filler sentence) followed by filler sentences, `low`-`high` chars."""
        target = low + int(self.random() * (high - low + 1))
        # Walk the patterns from a random start, so none comes twice in a row.
        i = int(self.random() * len(more))
        if first is None:
            first = more[i].format(**words())
            i += 1
        text = first
        while len(text) < target:
            sentence = more[i % len(more)].format(**words())
            i += 1
            if len(text) + 1 + len(sentence) > high and len(text) >= low:
                break
            text = f"{text} {sentence}"
        return text

    # -- items -----------------------------------------------------------------------------

    def listing_item(self, russian: bool, day: date, with_year: bool) -> list[str]:
        """The paragraphs of one listing item dated `day`."""
        if russian:
            code = self.next_code(SYLLABLES_RU)
            d = f"{day.day} {MONTHS_RU[day.month - 1]}"
            if with_year:
                d += f" {day.year} года"
            first = self.pick(FIRST_RU).format(**self._words_ru(code, d))
            more, words = MORE_RU, self._words_ru
        else:
            code = self.next_code(SYLLABLES_EN)
            d = f"On {day.day} {MONTHS_EN[day.month - 1]}"
            if with_year:
                d += f" {day.year}"
            first = self.pick(FIRST_EN).format(**self._words_en(code, d))
            more, words = MORE_EN, self._words_en
        paragraphs = [self._paragraph(first, more, words, 200, 600)]
        if self.rng.random() < SHARE_TWO_PARAGRAPHS:
            paragraphs.append(self._paragraph(None, more, words, 200, 600))
        return paragraphs

    def article(self, russian: bool, day: date) -> list[str]:
        """The paragraphs of one full article dated `day`, footer included."""
        if russian:
            code = self.next_code(SYLLABLES_RU)
            title = _cap(self.pick(TITLES_RU).format(**self._words_ru(code)))
            more, words, footer = MORE_RU, self._words_ru, FOOTER_RU
            first = f"{title}."
        else:
            code = self.next_code(SYLLABLES_EN)
            title = self.pick(TITLES_EN).format(**self._words_en(code))
            more, words, footer = MORE_EN, self._words_en, FOOTER_EN
            # Like the real seeds, some articles open by repeating the title with a short date.
            first = f"{title} on {MONTHS_EN[day.month - 1]} {day.day}."
        body: list[str] = []
        for i in range(self.rng.randint(3, 8)):
            opener = first if i == 0 and self.rng.random() < 0.3 else None
            body.append(self._paragraph(opener, more, words, 200, 800))
        header = f"{title} {day.day:02d}.{day.month:02d}.{day.year}"
        return [title, header, *body, *footer]


def _split(total: int, parts: int) -> list[int]:
    """`total` split into `parts` near-equal non-negative integers, larger ones first."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _runs(rng: random.Random, total: int) -> list[int]:
    """`total` items cut into listing blocks of LISTING_RUN sizes (the last may be shorter)."""
    runs: list[int] = []
    while total > 0:
        size = min(total, rng.randint(*LISTING_RUN))
        runs.append(size)
        total -= size
    return runs


def _file_text(writer: _Writer, n_items: int, counts: dict[str, int]) -> str:
    """One seed file of `n_items` items; adds the items written per kind to `counts`."""
    rng = writer.rng
    kinds = {"english": 0, "russian": 0, "articles": 0}
    for _ in range(n_items):
        r = rng.random()
        if r < SHARE_ENGLISH:
            kinds["english"] += 1
        elif r < SHARE_ENGLISH + SHARE_RUSSIAN:
            kinds["russian"] += 1
        else:
            kinds["articles"] += 1
    blocks: list[tuple[str, int]] = [("english", n) for n in _runs(rng, kinds["english"])]
    blocks += [("russian", n) for n in _runs(rng, kinds["russian"])]
    blocks += [("articles", 1)] * kinds["articles"]
    rng.shuffle(blocks)

    span = (LAST_DAY - FIRST_DAY).days + 1
    offsets = sorted((rng.randrange(span) for _ in range(n_items)), reverse=True)
    day_iter = (FIRST_DAY + timedelta(days=offset) for offset in offsets)

    chunks: list[str] = []
    for kind, size in blocks:
        if kind == "articles":
            russian = rng.random() < 0.5
            chunks.append("\n\n".join(writer.article(russian, next(day_iter))))
            continue
        russian = kind == "russian"
        items: list[str] = []
        above: date | None = None  # the previous item's date, if it was written with a year
        for _ in range(size):
            day = next(day_iter)
            undated = above is not None and above.year == day.year and rng.random() < SHARE_UNDATED
            items.append("\n\n".join(writer.listing_item(russian, day, not undated)))
            above = None if undated else day
        chunks.append("\n\n\n".join(items))
        counts[kind] += size
    counts["articles"] += kinds["articles"]
    return "\n\n".join(chunks) + "\n"


def _site_toml(n_sections: int) -> str:
    lines = [
        "[site]",
        'title = "Benchmark"',
        'base_url = "https://bench.example.org/"',
        'language = "en"',
        'timezone = "Europe/Moscow"',
        "entries_per_feed = 50",
    ]
    for s in range(n_sections):
        lines += [
            "",
            f"[sections.section-{s:02d}]",
            f'title = "Section {s:02d}"',
            f'description = "Synthetic benchmark news, part {s:02d}."',
        ]
    return "\n".join(lines) + "\n"


def write_corpus(root: Path, n_entries: int, n_sections: int = 10, seed: int = 0) -> dict:
    """Write a synthetic seeds folder at `root` holding exactly `n_entries` items.

    `root` may exist but must then be empty. Items are spread over `n_sections` folders named
    ``section-00`` ... in files of about 200 items (at least one file per section while there
    are items to fill them); ``root/site.toml`` describes the site and every section.

    Returns counts: ``entries`` (items written), ``files`` (seed files), ``sections``,
    ``english`` and ``russian`` (listing items per language), ``articles`` (full articles, of
    either language; ``english + russian + articles == entries``) and ``bytes`` (total size of
    the seed ``.txt`` files, ``site.toml`` excluded).
    """
    if n_entries < 0 or n_sections < 1:
        raise ValueError("need n_entries >= 0 and n_sections >= 1")
    root = Path(root)
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} is not empty")
    rng = random.Random(seed)
    writer = _Writer(rng)
    root.mkdir(parents=True, exist_ok=True)
    (root / "site.toml").write_text(_site_toml(n_sections), encoding="utf-8")
    sections = [root / f"section-{s:02d}" for s in range(n_sections)]
    for folder in sections:
        folder.mkdir()

    n_files = max(math.ceil(n_entries / ITEMS_PER_FILE), min(n_entries, n_sections))
    counts = {"english": 0, "russian": 0, "articles": 0}
    n_bytes = 0
    for i, n_items in enumerate(_split(n_entries, n_files) if n_files else []):
        data = _file_text(writer, n_items, counts).encode("utf-8")
        name = f"{i // n_sections:03d}_{rng.getrandbits(64):016x}.txt"
        (sections[i % n_sections] / name).write_bytes(data)
        n_bytes += len(data)
    return {
        "entries": writer.serial,
        "files": n_files,
        "sections": n_sections,
        **counts,
        "bytes": n_bytes,
    }


def main(argv: list[str] | None = None) -> int:
    """``python tests/gencorpus.py DIR N [SECTIONS [SEED]]``."""
    args = sys.argv[1:] if argv is None else argv
    if not 2 <= len(args) <= 4:
        print("usage: python tests/gencorpus.py DIR N [SECTIONS [SEED]]", file=sys.stderr)
        return 2
    numbers = [int(a) for a in args[1:]]
    print(json.dumps(write_corpus(Path(args[0]), *numbers)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
