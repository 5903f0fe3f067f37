"""Seven visitors and a crawler on 2026-11-27, as the Firehose records the API would write,
and the report they must give, worked out by hand (``expected``).

Each record goes through the pipeline's own processor (``TimedDelivery``); its ``receivedAt``,
set here, is the event's time. The timeline:

    visitor  user (signed in?)   time   event    mysfit
    F        ANA's sub (no)      09:00  profile  Gretta     anyone may claim a sub on PUT /clicks
    A2       ANA (yes)           09:30  profile  Snowflake  Ana's other tab
    A        guest (no)          10:00  profile  Pauly      Ana before she signs in
    A        guest (no)          10:05  profile  CoCo       delivered twice (one clickId)
    A        ANA (yes)           10:12  profile  Pauly      signed in, same tab
    A        ANA (yes)           10:15  like     Pauly
    A        ANA (yes)           10:20  adopt    Pauly
    B        guest (no)          11:00  profile  Gretta
    B        guest (no)          11:31  profile  Gretta     31 minutes later: a new session
    B        guest (no)          11:40  profile  Snowflake  no clickId
    C        CY (yes)            12:00  adopt    Rujin      no view before it
    C        CY (yes)            12:10  like     Rujin
    C        CY (yes)            12:39  profile  Rujin      29 minutes later: the same session
    (bot)    guest (no)          13:00  profile  Pauly      Googlebot, delivered twice
    (bot)    guest (no)          13:01  profile  CoCo       Googlebot, no clickId
    -        dan (no)            14:00  profile  Pauly      no visitorId, no clickId
    -        dan (no)            14:10  profile  Pauly      no visitorId, no clickId
    H        CY (yes)            16:00  like     Pauly      CY's other tab
"""

from __future__ import annotations

from datetime import UTC, datetime

from .buckets import GOOGLEBOT, firehose_record

DAY = datetime(2026, 11, 27, tzinfo=UTC)
ANA = "6c1f3b2e-8a41-4f5e-9d2a-0b7c4e1a9f10"  # Cognito subs
CY = "0d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f6a"
VISITOR = {
    name: f"{number:08x}-0000-4000-8000-{number:012x}"
    for number, name in enumerate(["A", "A2", "B", "C", "F", "H"], 1)
}
# The mysfits the visitors meet, by name (the stand-in's catalog).
MYSFITS = ("Pauly", "CoCo", "Gretta", "Snowflake", "Rujin")


def click(number: int) -> str:
    return f"c11c0000-0000-4000-8000-{number:012x}"


def at(hours: int, minutes: int) -> datetime:
    return DAY.replace(hour=hours, minute=minutes)


def journey(mysfit_ids: dict[str, str]) -> list[list[dict]]:
    """The timeline's records in Firehose batches (a batch is filed under its first day)."""
    ids = mysfit_ids

    def signed_in(event, user, visitor, mysfit, when, number):
        return firehose_record(
            event,
            user,
            ids[mysfit],
            when,
            authenticated=True,
            visitor_id=VISITOR[visitor],
            click_id=click(number),
        )

    def guest(mysfit, when, visitor, number, user="guest"):
        return firehose_record(
            "profile",
            user,
            ids[mysfit],
            when,
            visitor_id=VISITOR[visitor],
            click_id=None if number is None else click(number),
        )

    def crawler(mysfit, when, number):
        return firehose_record(
            "profile",
            "guest",
            ids[mysfit],
            when,
            click_id=None if number is None else click(number),
            user_agent=GOOGLEBOT,
        )

    def workshop(mysfit, when):
        return firehose_record("profile", "dan", ids[mysfit], when)

    coco_twice = guest("CoCo", at(10, 5), "A", 4)
    bot_twice = crawler("Pauly", at(13, 0), 20)
    return [
        [
            guest("Gretta", at(9, 0), "F", 1, user=ANA),
            signed_in("profile", ANA, "A2", "Snowflake", at(9, 30), 2),
            guest("Pauly", at(10, 0), "A", 3),
            coco_twice,
            signed_in("profile", ANA, "A", "Pauly", at(10, 12), 5),
            signed_in("like", ANA, "A", "Pauly", at(10, 15), 6),
        ],
        [
            coco_twice,  # Firehose delivers at least once
            signed_in("adopt", ANA, "A", "Pauly", at(10, 20), 7),
            guest("Gretta", at(11, 0), "B", 8),
            guest("Gretta", at(11, 31), "B", 9),
            guest("Snowflake", at(11, 40), "B", None),
        ],
        [
            signed_in("adopt", CY, "C", "Rujin", at(12, 0), 10),
            signed_in("like", CY, "C", "Rujin", at(12, 10), 11),
            signed_in("profile", CY, "C", "Rujin", at(12, 39), 12),
            bot_twice,
            bot_twice,
            crawler("CoCo", at(13, 1), None),
            workshop("Pauly", at(14, 0)),
            workshop("Pauly", at(14, 10)),
            signed_in("like", CY, "H", "Pauly", at(16, 0), 13),
        ],
    ]


def expected(ids: dict[str, str]) -> dict:
    """The report's JSON for the timeline, worked out by hand: the comments give the arithmetic.
    Bots are left out of everything but botEvents; a clickId delivered twice counts once."""
    return {
        "totals": {
            # F 1 + A2 1 + A 5 (CoCo's two copies are one) + B 3 + C 3 + dan 2 + H 1 = 16;
            # the crawler's are left out
            "events": 16,
            # F 09:00, A2 09:30, A 10:00 10:05 10:12, B 11:00 11:31 11:40, C 12:39,
            # dan 14:00 14:10 = 11
            "profileViews": 11,
            # Ana 10:15, CY 12:10 and 16:00 = 3
            "likes": 3,
            # Ana 10:20, CY 12:00 = 2
            "adoptions": 2,
            # F, A2, A, B, C, H by visitorId, and dan (no visitorId) by userId = 7. Were a
            # signed-out visitor still counted by userId, A and B would be one "guest".
            "visitors": 7,
            # ANA and CY signed in; guest, dan and F's claim of ANA's sub are not = 2
            "signedInUsers": 2,
            # Googlebot: Pauly 13:00 (one clickId delivered twice) + CoCo 13:01 (no clickId) = 2
            "botEvents": 2,
        },
        # Most viewed first; ties by mysfitId: Pauly 2b47… < Snowflake b41f… < Gretta da53…,
        # then CoCo 0e37… < Rujin a68d….
        "funnelByMysfit": {
            # viewers A and dan (not the crawler); likers ANA and CY (tab H); adopter ANA
            ids["Pauly"]: {"name": "Pauly", "viewers": 2, "likers": 2, "adopters": 1},
            # viewers A2 and B
            ids["Snowflake"]: {"name": "Snowflake", "viewers": 2, "likers": 0, "adopters": 0},
            # viewers F and B (B viewed twice: one viewer)
            ids["Gretta"]: {"name": "Gretta", "viewers": 2, "likers": 0, "adopters": 0},
            # viewer A (two copies of one click); the crawler's 13:01 view left out
            ids["CoCo"]: {"name": "CoCo", "viewers": 1, "likers": 0, "adopters": 0},
            # viewer C; liker and adopter CY
            ids["Rujin"]: {"name": "Rujin", "viewers": 1, "likers": 1, "adopters": 1},
        },
        "beforeAdoption": {
            "adoptions": 2,
            # Ana's adoption at 10:20 follows visitor A's views (Pauly 10:00, CoCo 10:05 once,
            # Pauly 10:12) and ANA's signed-in view in tab A2 (Snowflake 09:30) = 4; not F's
            # 09:00 view, whose claim of ANA's sub is not signed in. CY's adoption at 12:00
            # follows no view (C's 12:39 view is after it) = 0. The median of [0, 4] is the
            # mean of the two middle values: (0 + 4) / 2 = 2.
            "medianProfilesViewed": 2.0,
            # Ana: Snowflake, Pauly, CoCo = 3; CY: 0. (0 + 3) / 2 = 1.5
            "medianDistinctMysfitsViewed": 1.5,
            # Only Ana's adoption follows a view: 09:30 to 10:20 = 50 minutes, the one value
            "medianMinutesFromFirstView": 50.0,
            # CY's
            "adoptedWithoutViewing": 1,
        },
        "beforeLike": {
            # Ana 10:15, CY 12:10 (tab C) and 16:00 (tab H); not the crawler's
            "likes": 3,
            # Ana's like at 10:15 follows visitor A's views (Pauly 10:00, CoCo 10:05 once,
            # Pauly 10:12) and ANA's signed-in view in tab A2 (Snowflake 09:30) = 4; not F's
            # 09:00 view (a claim of ANA's sub, not signed in). CY's like at 12:10 follows no
            # view: tab C's only view is at 12:39 = 0. CY's like at 16:00 in tab H, which viewed
            # nothing, follows CY's signed-in view in tab C (Rujin 12:39) = 1.
            # Sorted [0, 1, 4]: the middle value, 1.
            "medianProfilesViewed": 1.0,
            # Ana: Snowflake, Pauly, CoCo = 3; CY at 12:10: 0; CY at 16:00: Rujin = 1.
            # Sorted [0, 1, 3]: 1.
            "medianDistinctMysfitsViewed": 1.0,
            # Over the two likes with a view before them: Ana 09:30 to 10:15 = 45 minutes;
            # CY 12:39 to 16:00 = 201 minutes. (45 + 201) / 2 = 123
            "medianMinutesFromFirstView": 123.0,
            # CY's at 12:10
            "likedWithoutViewing": 1,
        },
        # F   [09:00]                            1 event,  0 minutes, a bounce
        # A2  [09:30]                            1 event,  0 minutes, a bounce
        # A   [10:00 … 10:20], gaps 5, 7, 3, 5   5 events, 20 minutes (signing in keeps the
        #                                        session; CoCo's second copy is no event)
        # B   [11:00]                            1 event,  0 minutes, a bounce
        # B   [11:31, 11:40] after 31 minutes    2 events, 9 minutes
        # C   [12:00, 12:10, 12:39], gaps 10, 29 3 events, 39 minutes
        # dan [14:00, 14:10]                     2 events, 10 minutes
        # H   [16:00] a like alone               1 event,  0 minutes, no bounce (no view)
        # The crawler's events make no session.
        "sessions": {
            "sessions": 8,
            # sorted [1, 1, 1, 1, 2, 2, 3, 5]: the middle two, (1 + 2) / 2 = 1.5
            "medianEventsPerSession": 1.5,
            # sorted [0, 0, 0, 0, 9, 10, 20, 39]: the middle two, (0 + 9) / 2 = 4.5
            "medianMinutes": 4.5,
            # F, A2 and B's first: 3 of 8
            "bounceRate": 3 / 8,
        },
        # Profile views: Pauly A 10:00, A 10:12, dan 14:00, 14:10 = 4 (the like, the adoption
        # and the crawler's view are not profile views by people); Gretta F, B, B = 3;
        # Snowflake A2, B = 2; CoCo A once = 1; Rujin C 12:39 = 1 (CoCo 0e37… < Rujin a68d…).
        "clicksByMysfit": {
            ids["Pauly"]: {"name": "Pauly", "clicks": 4},
            ids["Gretta"]: {"name": "Gretta", "clicks": 3},
            ids["Snowflake"]: {"name": "Snowflake", "clicks": 2},
            ids["CoCo"]: {"name": "CoCo", "clicks": 1},
            ids["Rujin"]: {"name": "Rujin", "clicks": 1},
        },
        # Pauly Neutral/Lawful 4, Gretta Evil/Neutral 3, Snowflake Good/Neutral 2,
        # CoCo Good/Lawful 1, Rujin Good/Chaotic 1
        "clicksByAlignment": {
            "Evil": {"Neutral": 3},
            "Good": {"Chaotic": 1, "Lawful": 1, "Neutral": 2},
            "Neutral": {"Lawful": 4},
        },
        # 09: F, A2; 10: A three times; 11: B three times; 12: C; 14: dan twice
        "clicksByHour": {"09": 2, "10": 3, "11": 3, "12": 1, "14": 2},
        "topMysfitsByDay": {
            "2026-11-27": [
                {"rank": 1, "mysfitId": ids["Pauly"], "name": "Pauly", "clicks": 4},
                {"rank": 2, "mysfitId": ids["Gretta"], "name": "Gretta", "clicks": 3},
                {"rank": 3, "mysfitId": ids["Snowflake"], "name": "Snowflake", "clicks": 2},
            ]
        },
    }
