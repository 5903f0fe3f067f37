-- Every question reads the clicks as `events`: those of the report's window (its partitions,
-- then its days: the four parameters), each click once (copies share a clickId; the earliest is
-- kept; a click without a clickId is itself), bots left out. `visitor` is the
-- visitorId, or the userId of an event without one. Lines older than the event, authenticated
-- and bot fields count as anonymous profile views by people.
once AS (
  SELECT
    coalesce(event, 'profile') AS event,
    userid,
    coalesce(authenticated, false) AS authenticated,
    visitorid,
    coalesce(visitorid, userid) AS visitor,
    mysfitid,
    name,
    species,
    goodevil,
    lawchaos,
    clickedat AS clicked,
    coalesce(bot, false) AS bot
  FROM (
    SELECT *, row_number() OVER (PARTITION BY clickid ORDER BY clickedat) AS copy_number
    FROM clicks
    WHERE year * 10000 + month * 100 + day BETWEEN ? AND ?
      AND CAST(clickedat AS date) BETWEEN CAST(? AS date) AND CAST(? AS date)
  )
  WHERE clickid IS NULL OR copy_number = 1
),
events AS (
  SELECT * FROM once WHERE NOT bot
)
