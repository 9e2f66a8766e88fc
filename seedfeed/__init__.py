"""seedfeed: plain-text news dumps to RSS, Atom, JSON Feed, HTML pages and OPML."""
