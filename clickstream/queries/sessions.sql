-- Sessions: a visitor's events with no gap over 30 minutes; a bounce is a session of one profile view.
-- (An event of no visitor, from a line older than the keys, is in no session.)
WITH gaps AS (
  SELECT
    visitor,
    event,
    clicked,
    CASE
      WHEN date_diff('millisecond', lag(clicked) OVER (PARTITION BY visitor ORDER BY clicked), clicked)
        <= 30 * 60000
        THEN 0
      ELSE 1
    END AS starts_session
  FROM events
  WHERE visitor IS NOT NULL
),
numbered AS (
  -- Events at the same moment are peers of the running sum: they share one session.
  SELECT *, sum(starts_session) OVER (PARTITION BY visitor ORDER BY clicked) AS session
  FROM gaps
),
per_session AS (
  SELECT
    count(*) AS event_count,
    count(CASE WHEN event = 'profile' THEN 1 END) AS profile_views,
    CAST(date_diff('millisecond', min(clicked), max(clicked)) AS double) / 60000 AS minutes
  FROM numbered
  GROUP BY visitor, session
),
ranked AS (
  SELECT
    *,
    count(*) OVER () AS total,
    row_number() OVER (ORDER BY event_count) AS by_events,
    row_number() OVER (ORDER BY minutes) AS by_minutes
  FROM per_session
)
-- A median is the middle value, or the mean of the two middle values (as in beforeAdoption).
SELECT
  count(*) AS sessions,
  avg(CASE WHEN 2 * by_events BETWEEN total AND total + 2 THEN event_count END)
    AS median_events_per_session,
  avg(CASE WHEN 2 * by_minutes BETWEEN total AND total + 2 THEN minutes END) AS median_minutes,
  CAST(count(CASE WHEN event_count = 1 AND profile_views = 1 THEN 1 END) AS double)
    / nullif(count(*), 0) AS bounce_rate
FROM ranked
