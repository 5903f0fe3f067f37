"""Pure function: is a user agent a bot's? Decided by CrawlerDetect's maintained patterns."""

from __future__ import annotations

import functools
from urllib.parse import unquote_plus

from crawlerdetect import CrawlerDetect

_detector = CrawlerDetect()


@functools.lru_cache(maxsize=4096)
def is_bot(user_agent: str) -> bool:
    """True for crawlers, scripts and headless browsers (Googlebot, curl, HeadlessChrome), and for
    an empty user agent, which no browser sends; False for people's browsers.

    A batch holds few distinct user agents, so the cache answers nearly every click."""
    if not user_agent.strip():
        return True
    return bool(_detector.is_crawler(user_agent))


@functools.lru_cache(maxsize=4096)
def is_encoded_bot(encoded: str) -> bool:
    """is_bot of a user agent as the mapping templates write it (form-URL-encoded by
    $util.urlEncode), decoded once per distinct value rather than once per click."""
    return is_bot(unquote_plus(encoded))
