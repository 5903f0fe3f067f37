"""The journeys ``simulate`` sends: who visits, what they open, like and adopt, and when.

A pure function of the seed, the number of visitors and the catalog: the same three give the
same journeys, ids included. Every figure of the model is a named constant here;
docs/simulated-visitors.md states them.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from clickstream import contract

# -- Who visits --------------------------------------------------------------------------------
BOT_SHARE = 0.06  # of visitors: crawlers, which the report leaves out
SIGNED_IN_SHARE = 0.25  # of people: signed in from their first click (a tab of a known user)
SIGNS_IN_MIDWAY_SHARE = 0.15  # of people: anonymous at first, signed in after a few views
RETURNING_USER_SHARE = 0.3  # of signed-in people: a user who already signed in in another tab
# -- What people open --------------------------------------------------------------------------
# Profiles opened in one session: (how many, weight).
PROFILES_PER_SESSION = ((1, 30), (2, 20), (3, 15), (4, 12), (5, 9), (6, 6), (8, 5), (12, 3))
# Sessions per visitor (one tab): (how many, weight); between two, a pause the report's
# 30-minute rule splits on.
SESSIONS_PER_VISITOR = ((1, 80), (2, 15), (3, 5))
SESSION_GAP_MINUTES = (35, 120)
VIEW_GAP_SECONDS = (5, 240)  # between two profiles of one session
ACTION_GAP_SECONDS = (3, 40)  # from a view to its like, and to its adoption
# Popularity: the mysfit of popularity rank r (1 = favourite) is opened with weight 1 / r^s.
ZIPF_EXPONENT = 1.1
# -- What a signed-in view leads to ------------------------------------------------------------
LIKE_AFTER_VIEW = 0.25  # at most one like per mysfit per tab, as the page shows it liked
ADOPT_AFTER_VIEW = 0.06  # at most one adoption per mysfit per tab
# -- Crawlers ----------------------------------------------------------------------------------
BOT_PROFILES = (2, 8)
BOT_GAP_SECONDS = (1, 3)
# -- The network -------------------------------------------------------------------------------
# A click whose answer was lost is sent again by the page with the same clickId.
SENT_TWICE_SHARE = 0.04
# Visitors arrive this many seconds apart on average (uniformly over the whole span), over a
# day at most.
ARRIVAL_SPACING_SECONDS = 60
MAX_ARRIVAL_SPAN_SECONDS = 24 * 3600

# People's browsers (not bots by CrawlerDetect) and crawlers (bots by it).
BROWSERS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
)
CRAWLERS = (
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/131.0.0.0 Safari/537.36",
)


@dataclass(frozen=True)
class Click:
    """One event the page would send: ``at`` seconds after the simulation starts."""

    at: float
    event: str
    mysfit_id: str
    click_id: str
    signed_in: bool
    sent_twice: bool


@dataclass(frozen=True)
class Visitor:
    """One browser tab: its ``visitorId``, user agent and clicks in order. ``account`` is the
    simulated user who signs in (None: never), before the first click with ``signed_in``."""

    number: int
    visitor_id: str
    user_agent: str
    bot: bool
    account: int | None
    clicks: tuple[Click, ...]


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _pick(rng: random.Random, weighted: Sequence[tuple[int, int]]) -> int:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def _between(rng: random.Random, bounds: tuple[float, float]) -> float:
    return rng.uniform(*bounds)


def popularity(mysfit_ids: Sequence[str], rng: random.Random) -> dict[str, float]:
    """Zipf weights over the catalog, in an order the seed shuffles (ids sorted first, so the
    order the API lists them in does not matter)."""
    ranked = sorted(mysfit_ids)
    rng.shuffle(ranked)
    return {mysfit: 1 / rank**ZIPF_EXPONENT for rank, mysfit in enumerate(ranked, start=1)}


def journeys(seed: int, visitors: int, mysfit_ids: Sequence[str]) -> list[Visitor]:
    """Every visitor's journey, in the order they arrive."""
    if not mysfit_ids:
        raise ValueError("the catalog has no mysfits")
    rng = random.Random(seed)
    weights = popularity(mysfit_ids, rng)
    ids, id_weights = list(weights), list(weights.values())
    span = min(visitors * ARRIVAL_SPACING_SECONDS, MAX_ARRIVAL_SPAN_SECONDS)
    arrivals = sorted(rng.uniform(0, span) for _ in range(visitors))
    accounts = 0
    planned = []
    for number, start in enumerate(arrivals):
        visitor_id = _uuid(rng)
        if rng.random() < BOT_SHARE:
            planned.append(_crawler(rng, number, visitor_id, start, ids))
            continue
        roll = rng.random()
        signs_in = roll < SIGNED_IN_SHARE + SIGNS_IN_MIDWAY_SHARE
        account = None
        if signs_in:
            if accounts and rng.random() < RETURNING_USER_SHARE:
                account = rng.randrange(accounts)
            else:
                account, accounts = accounts, accounts + 1
        first_signed_in_view = 0 if roll < SIGNED_IN_SHARE else None
        clicks = _person(rng, start, ids, id_weights, account, first_signed_in_view)
        planned.append(
            Visitor(
                number=number,
                visitor_id=visitor_id,
                user_agent=rng.choice(BROWSERS),
                bot=False,
                account=account if any(c.signed_in for c in clicks) else None,
                clicks=clicks,
            )
        )
    return planned


def _crawler(
    rng: random.Random, number: int, visitor_id: str, at: float, ids: list[str]
) -> Visitor:
    clicks = []
    for _ in range(rng.randint(*BOT_PROFILES)):
        clicks.append(_click(rng, at, contract.PROFILE, rng.choice(ids), signed_in=False))
        at += _between(rng, BOT_GAP_SECONDS)
    return Visitor(number, visitor_id, rng.choice(CRAWLERS), True, None, tuple(clicks))


def _person(
    rng: random.Random,
    at: float,
    ids: list[str],
    weights: list[float],
    account: int | None,
    first_signed_in_view: int | None,
) -> tuple[Click, ...]:
    sessions = [_pick(rng, PROFILES_PER_SESSION) for _ in range(_pick(rng, SESSIONS_PER_VISITOR))]
    views = sum(sessions)
    if account is not None and first_signed_in_view is None:
        # Signs in midway: after one of the views, before the next (a single view: never).
        first_signed_in_view = rng.randint(1, views - 1) if views > 1 else None
    liked: set[str] = set()
    adopted: set[str] = set()
    clicks: list[Click] = []
    view = 0
    for session, count in enumerate(sessions):
        if session:
            at += 60 * _between(rng, SESSION_GAP_MINUTES)
        for _ in range(count):
            if view:
                at += _between(rng, VIEW_GAP_SECONDS)
            mysfit = rng.choices(ids, weights=weights)[0]
            signed_in = first_signed_in_view is not None and view >= first_signed_in_view
            clicks.append(_click(rng, at, contract.PROFILE, mysfit, signed_in))
            view += 1
            if not signed_in:
                continue
            # Only a signed-in user can like or adopt (the page says to log in otherwise).
            if mysfit not in liked and rng.random() < LIKE_AFTER_VIEW:
                liked.add(mysfit)
                at += _between(rng, ACTION_GAP_SECONDS)
                clicks.append(_click(rng, at, contract.LIKE, mysfit, signed_in))
            if mysfit not in adopted and rng.random() < ADOPT_AFTER_VIEW:
                adopted.add(mysfit)
                at += _between(rng, ACTION_GAP_SECONDS)
                clicks.append(_click(rng, at, contract.ADOPT, mysfit, signed_in))
    return tuple(clicks)


def _click(rng: random.Random, at: float, event: str, mysfit: str, signed_in: bool) -> Click:
    return Click(
        at=round(at, 3),
        event=event,
        mysfit_id=mysfit,
        click_id=_uuid(rng),
        signed_in=signed_in,
        sent_twice=rng.random() < SENT_TWICE_SHARE,
    )
