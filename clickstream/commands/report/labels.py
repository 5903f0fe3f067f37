"""The words the report shows for each figure and column: the text report's and the page's.

The answers keep Athena's column names (``profile_views``) and ``--json`` their camelCase
(``profileViews``); people read these labels instead. A mysfit is shown by its name, never by
its id.
"""

from __future__ import annotations

# camelCase key (the JSON's) -> what a person reads.
LABELS = {
    # totals
    "events": "Events",
    "profileViews": "Profile views",
    "likes": "Likes",
    "adoptions": "Adoptions",
    "visitors": "Visitors",
    "signedInUsers": "Signed-in users",
    "botEvents": "Bot events (left out)",
    # the funnel
    "viewers": "Viewers",
    "likers": "Likers",
    "adopters": "Adopters",
    # before an adoption or a like
    "medianProfilesViewed": "Median profiles viewed",
    "medianDistinctMysfitsViewed": "Median distinct mysfits viewed",
    "medianMinutesFromFirstView": "Median minutes from the first view",
    "adoptedWithoutViewing": "Adopted without a view before",
    "likedWithoutViewing": "Liked without a view before",
    # sessions
    "sessions": "Sessions",
    "medianEventsPerSession": "Median events per session",
    "medianMinutes": "Median minutes per session",
    "bounceRate": "Bounce rate",
    # per mysfit, alignment, hour and day
    "name": "Mysfit",
    "species": "Species",
    "clicks": "Profile views",
    "goodevil": "Good or evil",
    "lawchaos": "Lawful or chaotic",
    "hourUtc": "Hour (UTC)",
    "clickDate": "Day (UTC)",
    "dayRank": "Place",
}
# Figures that are a share of a whole (0 to 1): shown as a percentage.
RATES = frozenset({"bounceRate"})


def camel(column: str) -> str:
    """``signed_in_users`` -> ``signedInUsers``: Athena gives column names in lower case."""
    first, *rest = column.split("_")
    return first + "".join(word.capitalize() for word in rest)


def label(key: str) -> str:
    """The English words for a column (``profile_views``) or a JSON key (``profileViews``)."""
    return LABELS[camel(key)]
