"""Pure function: is a user agent a bot's? Decided by CrawlerDetect's maintained patterns."""

from __future__ import annotations

import functools
from urllib.parse import unquote_plus

from crawlerdetect import CrawlerDetect

_detector = CrawlerDetect()

# Browsers send a few hundred characters at most (in-app browsers' are the longest, around 300).
# One of CrawlerDetect's patterns (`[a-z0-9\-_]*(bot|crawl|…)`) takes time quadratic in a run of
# letters and digits: 22 ms at 512 characters, 5.5 s at 9,000 on a development core. So no pattern
# sees a longer agent: it is judged a bot (no browser sends one), which keeps it out of every
# question rather than counting a cut-down agent as a visitor.
MAX_USER_AGENT_LENGTH = 512
# $util.urlEncode writes a character as at most 12 (four UTF-8 bytes, each %XX): a longer encoded
# agent cannot decode to MAX_USER_AGENT_LENGTH characters or fewer.
_MAX_ENCODED_LENGTH = 12 * MAX_USER_AGENT_LENGTH


def is_bot(user_agent: str) -> bool:
    """True for crawlers, scripts and headless browsers (Googlebot, curl, HeadlessChrome), for an
    empty user agent, which no browser sends, and for one longer than MAX_USER_AGENT_LENGTH;
    False for people's browsers."""
    if len(user_agent) > MAX_USER_AGENT_LENGTH:
        return True
    return _judged(user_agent)


@functools.lru_cache(maxsize=4096)
def _judged(user_agent: str) -> bool:
    # A batch holds few distinct user agents, so the cache answers nearly every click.
    if not user_agent.strip():
        return True
    return bool(_detector.is_crawler(user_agent))


def is_encoded_bot(encoded: str) -> bool:
    """is_bot of a user agent as the mapping templates write it (form-URL-encoded by
    $util.urlEncode), decoded once per distinct value rather than once per click."""
    if len(encoded) > _MAX_ENCODED_LENGTH:
        return True
    return _encoded_judged(encoded)


@functools.lru_cache(maxsize=4096)
def _encoded_judged(encoded: str) -> bool:
    return is_bot(unquote_plus(encoded))
