"""Entries to documents (bytes): feeds, pages and the subscription list."""
