"""OPML 2.0 subscription list: one outline per feed, each in the preferred format."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from xml.etree import ElementTree as ET


@dataclass(frozen=True, slots=True)
class Subscription:
    title: str
    xml_url: str
    html_url: str
    description: str


def render_opml(title: str, subscriptions: list[Subscription],
                modified: datetime | None) -> bytes:
    """An OPML document; one outline per subscription so importing subscribes once each."""
    opml = ET.Element("opml", version="2.0")
    head = ET.SubElement(opml, "head")
    ET.SubElement(head, "title").text = title
    if modified is not None:
        stamp = format_datetime(modified)
        ET.SubElement(head, "dateCreated").text = stamp
        ET.SubElement(head, "dateModified").text = stamp
    body = ET.SubElement(opml, "body")
    for sub in subscriptions:
        ET.SubElement(body, "outline", type="rss", text=sub.title, title=sub.title,
                      xmlUrl=sub.xml_url, htmlUrl=sub.html_url, description=sub.description)
    ET.indent(opml)
    document: bytes = ET.tostring(opml, encoding="utf-8", xml_declaration=True)
    return document + b"\n"
