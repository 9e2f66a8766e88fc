"""Write the corpus seeds whose bytes matter (legacy encodings, UTF-16, BOM, CRLF).

Run from anywhere: python tests/corpus/make_encoded.py
The generated files are committed; this script only makes them reproducible.
Each text is given here as ordinary (Unicode) Python text and encoded on write, so
what a reader must see is exactly the text below.
"""

from pathlib import Path

SEEDS = Path(__file__).resolve().parent / "seeds"


def write(rel: str, data: bytes) -> None:
    path = SEEDS / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def lines(*rows: str, eol: str = "\n") -> str:
    return eol.join(rows) + eol


# g. Windows-1252: one line, with café, an em dash and curly quotes.
CAFE = lines("On 5 March 2024, the café on the pier reopened — with “short” hours.")

# A longer Windows-1252 listing: curly quotes, apostrophe, euro sign, em dash, ï.
CP1252_LISTING = lines(
    "On 11 March 2024, the “Harbour Lights” festival committee met at the café of the old "
    "customs house — the first meeting of the year.",
    "",
    "On 6 March 2024, the secretariat paid €12,000 to the winners of the translation competition.",
    "",
    "On 1 March 2024, the council’s naïve art exhibition opened in the town hall.",
)

# Latin-1 (ISO-8859-1): only characters Latin-1 has (no curly quotes, no dashes).
LATIN1 = lines(
    "On 19 September 2023, the restored façade of the old theatre was unveiled to the public.",
    "",
    "On 12 September 2023, the museum opened an exhibition of naïve painting from the lake "
    "districts.",
    "",
    "On 5 September 2023, the choir of Sainte-Hélène performed at the harbour festival.",
)

# UTF-16-LE without a byte order mark.
UTF16_EN = lines(
    "On 8 October 2024, the council approved the winter heating plan.",
    "",
    "On 2 October 2024, the secretariat opened a new office in the river port.",
)
UTF16_RU = lines(
    "3 октября 2024 года совет утвердил план отопительного сезона.",
    "",
    "1 октября 2024 года секретариат открыл представительство в речном порту.",
)

# UTF-8 except the middle paragraph, which is Windows-1252 (a paste from another tool).
MIXED_UTF8 = [
    "On 22 November 2024, the council’s café for volunteers opened in the town hall.\n\n",
    None,  # the Windows-1252 paragraph
    "On 12 November 2024, the secretariat published a guide to the region’s naïve art.\n",
]
MIXED_CP1252 = ("On 18 November 2024, the jury named the “best small museum” of the year — "
                "the lighthouse museum.\n\n")

# Russian, Windows-1251 (guillemets and an em dash exist in cp1251).
CP1251_RU = lines(
    "21 марта 2024 года секретариат провёл семинар для переводчиков.",
    "",
    "18.03.2024",
    "Совет озёрных областей утвердил план весенних работ — документ опубликован на сайте.",
    "",
    "Эксперты обсудили «зелёный» коридор для грузов",
    "15.03.2024",
    "Эксперты транспортных ведомств обсудили создание «зелёного» коридора для грузов.",
)

# Russian, KOI8-R (no guillemets, no em dash in KOI8-R: plain quotes and hyphens only).
KOI8R_RU = lines(
    "18 апреля 2024 года совет утвердил правила приёма в кадетский колледж.",
    "",
    "16.04.2024",
    "Делегация северных районов посетила морской колледж и встретилась с курсантами.",
    "",
    "На озёрах открылся сезон навигации",
    "12 апреля 2024 года первые паромы вышли на линии между островами.",
    "",
    "Расписание на лето будет опубликовано до конца месяца - сообщили в портовом управлении.",
)

# CRLF line ends, UTF-8.
CRLF_EN = lines(
    "Council approves the harbour budget",
    "18.06.2024",
    "The council approved the harbour budget for the next year.",
    "",
    "On 14 June 2024, the secretariat held consultations with the port unions.",
    eol="\r\n",
)

# UTF-8 with a byte order mark.
BOM_EN = lines(
    "On 30 August 2024, the council thanked the volunteers of the summer festival.",
    "",
    "On 26 August 2024, the speaker opened the new visitor centre of the assembly.",
)


def main() -> None:
    write("en/cp1252-cafe-pier.txt", CAFE.encode("cp1252"))
    write("en/cp1252-listing.txt", CP1252_LISTING.encode("cp1252"))
    write("en/latin1-naive-facade.txt", LATIN1.encode("latin-1"))
    write("en/utf16le-nobom.txt", UTF16_EN.encode("utf-16-le"))
    write("ru/utf16le-nobom.txt", UTF16_RU.encode("utf-16-le"))
    mixed = b"".join(
        part.encode("utf-8") if part is not None else MIXED_CP1252.encode("cp1252")
        for part in MIXED_UTF8
    )
    write("en/utf8-one-paragraph-cp1252.txt", mixed)
    write("ru/cp1251-news.txt", CP1251_RU.encode("cp1251"))
    write("ru/koi8r-news.txt", KOI8R_RU.encode("koi8-r"))
    write("en/crlf-brief-items.txt", CRLF_EN.encode("utf-8"))
    write("en/utf8-bom.txt", BOM_EN.encode("utf-8-sig"))


if __name__ == "__main__":
    main()
