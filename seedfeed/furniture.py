"""Page furniture: the blocks of a scraped page that are never news.

Known labels in English and Russian (navigation, print and share buttons, footers,
related-item headings) and general shapes (breadcrumbs, a clock, a phone number, a
copyright line, a rule of underscores).  `kind` names what a block is, so that the
parser can say what it dropped; the parser adds what needs context (menus, lines repeated
within a file, a site header's date over a clock, the section's own hints).
"""

from __future__ import annotations

import re

NAVIGATION = frozenset(
    line.casefold()
    for line in (
        "Go back", "Back", "Back to the section", "Back to section", "Back to the all news",
        "Back to all news", "Back to the news", "Back to news", "Back to the list",
        "Back to top", "All news", "Вернуться назад", "Назад", "Вернуться в раздел",
        "Вернуться к разделу",
        "Вернуться к списку", "Вернуться к списку новостей", "Вернуться ко всем новостям",
        "Ко всем новостям", "Все новости", "Наверх",
    )
)
# Buttons and labels that sit between a page's items: dropped, and they end nothing.
LABELS = frozenset(
    line.casefold()
    for line in (
        "Print", "Print version", "Share", "Версия для печати", "Поделиться",
        "Печать", "Распечатать", "Print this page", "Share this", "Share on", "Tweet",
        "Send", "Отправить", "Email", "E-mail", "Subscribe", "Подписаться", "Comments",
        "Комментарии", "Read more", "More", "Подробнее", "Читать далее", "Далее",
        "Photo", "Фото", "Video", "Видео", "Photo gallery", "Фотогалерея", "Фоторепортаж",
        "Tags", "Теги", "Метки", "Font size", "Размер шрифта", "Версия для слабовидящих",
        "For the visually impaired", "Search", "Поиск", "Menu", "Меню", "Login", "Вход",
        "Site map", "Карта сайта", "Contacts", "Контакты", "Обратная связь", "Feedback",
        "Новости СНГ", "Старая версия сайта (Архив)", "Старая версия сайта", "Архив",
        "Old version of the site", "Mobile version", "Мобильная версия", "RSS",
        "Все права защищены", "All rights reserved", "Loading...", "Загрузка...",
        "EN", "RU", "ENG", "РУС", "English", "Русский", "EN | RU", "RU | EN",
        "News", "Newsroom", "Archive", "News archive", "Press releases", "Press office",
        "Press centre", "Press center", "Media centre", "Новости", "Лента новостей",
        "Архив новостей",
        "Пресс-релизы", "Пресс-служба", "Пресс-центр", "Медиацентр",
        "Show more", "Показать ещё", "Показать еще", "Back to list", "К списку новостей",
        "Subscribe to our newsletter", "Subscribe to the newsletter", "Next", "Previous",
        "Next page", "Previous page", "Следующая", "Предыдущая", "Следующая страница",
        "Предыдущая страница", "Older news", "Newer news", "Load more", "Загрузить ещё",
    )
)
RELATED = re.compile(
    r"(?:other materials(?: of .*)?|read also|see also|related(?: news| materials| articles)?"
    r"|more news|other news|more on (?:this|the) topic|also read|recommended"
    r"|читайте также|смотрите также|см\. также|другие материалы(?: .*)?|другие новости"
    r"|похожие (?:новости|материалы)|(?:ещё|еще) по теме|по теме|материалы по теме"
    r"|другие публикации|последние новости|latest news)\s*:?",
    re.IGNORECASE)
_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("clock", re.compile(r"\d{1,2}:\d{2}(?::\d{2})?(?:\s*(?:MSK|МСК|UTC|GMT)[+−-]?\d*)?",
                         re.IGNORECASE)),
    ("phone number", re.compile(r"(?:(?:tel|тел|phone|телефон|fax|факс)\.?:?\s*|\+|\d?\s*\()"
                                r"[\d\s()\-–]{7,}\d", re.IGNORECASE)),
    ("copyright", re.compile(r"(?:©|\(c\)|copyright\b|&copy;).{0,200}", re.IGNORECASE)),
    ("rule", re.compile(r"(?:[_=*~·•#\-–—.]\s*){3,}")),
    ("pager", re.compile(r"(?:(?:pages?|страницы?)\s*:?\s*)?[«‹<]*\s*(?:previous|prev|назад|"
                         r"предыдущая)?[\s|]*(?:\d+[\s|]*|…[\s|]*|\.\.\.[\s|]*){2,}"
                         r"(?:next|далее|вперёд|следующая)?\s*[»›>]*", re.IGNORECASE)),
    ("label", re.compile(r"(?:tags|теги|метки|keywords|ключевые слова|photo|photos|фото|"
                         r"share|поделиться|рубрика|rubric|category|категория|source|"
                         r"источник|author|автор)\s*:.{0,150}",
                         re.IGNORECASE)),
    ("counter", re.compile(r"(?:views|просмотров|просмотры|comments|комментариев)\s*:?\s*\d+",
                           re.IGNORECASE)),
    ("label", re.compile(r"(?:photo gallery|фотогалерея|video|видео|photos|фото)\s*\(\d+\)",
                         re.IGNORECASE)),
    ("update line", re.compile(r"(?:updated|last updated|обновлено|изменено)\b.{0,50}",
                               re.IGNORECASE)),
    ("breadcrumbs", re.compile(r"(?:home|main|главная(?: страница)?)\s*[>/»›→|].{0,200}",
                               re.IGNORECASE)),
    ("breadcrumbs", re.compile(r"[^>»›→]{1,40}(?:\s+[>»›→]\s+[^>»›→]{1,40}){2,}")),
)


def kind(text: str) -> str | None:
    """What furniture a block is ("navigation", "label", "related-items heading", a shape's
    name), or None for text."""
    if len(text) > 200:
        return None
    folded = text.casefold().rstrip(" .…>»←→:")
    if len(text) < 40 and folded in NAVIGATION:
        return "navigation"
    if folded in LABELS:
        return "label"
    if RELATED.fullmatch(text) or (RELATED.match(text) and "«" in text and len(text) < 120):
        return "related-items heading"
    for name, shape in _SHAPES:
        if shape.fullmatch(text):
            return name
    return None


def matches(text: str, patterns: tuple[re.Pattern[str], ...]) -> bool:
    """Whether a block is one of the lines a section's hints name (whole, any case)."""
    if not patterns or len(text) > 500:  # (a hint names a line, not a paragraph)
        return False
    folded = " ".join(text.split())
    return any(pattern.fullmatch(folded) for pattern in patterns)
