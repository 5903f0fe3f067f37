-- Every question reads the clicks as `events`: those of the report's window (its partitions,
-- then its days: the parameters), each click once (copies share a clickKey, the clickId's
-- fingerprint; the earliest is kept; a click without one is itself), bots left out. `visitor`
-- is the visitorKey, or the userKey of an event without one. The questions read the ids' 64-bit
-- keys, never their text (a UUID is ~37 bytes a click in Parquet, a key 8): exact up to a
-- 64-bit collision. Lines older than the event, authenticated and bot fields count as anonymous
-- profile views by people; lines older than the keys each count as one event of no visitor.
once AS (
  SELECT
    coalesce(event, 'profile') AS event,
    userkey,
    coalesce(authenticated, false) AS authenticated,
    visitorkey,
    coalesce(visitorkey, userkey) AS visitor,
    mysfitid,
    name,
    species,
    goodevil,
    lawchaos,
    clickedat AS clicked,
    coalesce(bot, false) AS bot
  FROM (
    SELECT *, row_number() OVER (PARTITION BY clickkey ORDER BY clickedat) AS copy_number
    FROM clicks
    -- Plain bounds on each partition column (Athena prunes on predicates on partition columns;
    -- on an expression of them it may not), wide enough for every partition of the window: at
    -- most two ranges of months (Dec and Jan across a year's end) and of days. Then the exact
    -- partitions, then the exact days.
    WHERE year BETWEEN ? AND ?
      AND (month BETWEEN ? AND ? OR month BETWEEN ? AND ?)
      AND (day BETWEEN ? AND ? OR day BETWEEN ? AND ?)
      AND year * 10000 + month * 100 + day BETWEEN ? AND ?
      AND CAST(clickedat AS date) BETWEEN CAST(? AS date) AND CAST(? AS date)
  )
  WHERE clickkey IS NULL OR copy_number = 1
),
events AS (
  SELECT * FROM once WHERE NOT bot
)
