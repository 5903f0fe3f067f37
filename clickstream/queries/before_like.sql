-- Before each like: the same visitor's profile views (same visitorId, or the same signed-in user).
-- (A like of no visitor, from a line older than the keys, is not one of them.)
WITH likes AS (
  SELECT
    row_number() OVER (ORDER BY clicked) AS like_number, userkey, authenticated, visitorkey, clicked
  FROM events
  WHERE event = 'like' AND visitor IS NOT NULL
),
views AS (
  SELECT
    row_number() OVER (ORDER BY clicked) AS view_number, userkey, authenticated, visitorkey,
    mysfitid, clicked
  FROM events
  WHERE event = 'profile'
),
-- Who an event is, as keys: its visitorKey, and a signed-in user's userKey. A view is the
-- like's visitor's when they share a key of the same kind; joining on equal keys (not on an
-- OR) keeps the join linear.
like_keys AS (
  SELECT like_number, clicked, 'v' AS kind, visitorkey AS match_key
  FROM likes
  WHERE visitorkey IS NOT NULL
  UNION ALL
  SELECT like_number, clicked, 'u' AS kind, userkey AS match_key
  FROM likes
  WHERE authenticated AND userkey IS NOT NULL
),
view_keys AS (
  SELECT view_number, mysfitid, clicked, 'v' AS kind, visitorkey AS match_key
  FROM views
  WHERE visitorkey IS NOT NULL
  UNION ALL
  SELECT view_number, mysfitid, clicked, 'u' AS kind, userkey AS match_key
  FROM views
  WHERE authenticated AND userkey IS NOT NULL
),
-- A view matched by both keys counts once.
matched AS (
  SELECT DISTINCT a.like_number, v.view_number, v.mysfitid, v.clicked
  FROM like_keys AS a
  JOIN view_keys AS v
    ON v.match_key = a.match_key
    AND v.kind = a.kind
    AND v.clicked < a.clicked
),
per_like AS (
  SELECT
    a.like_number,
    count(m.view_number) AS profiles_viewed,
    count(DISTINCT m.mysfitid) AS mysfits_viewed,
    CAST(date_diff('millisecond', min(m.clicked), max(a.clicked)) AS double) / 60000
      AS minutes_from_first_view
  FROM likes AS a
  LEFT JOIN matched AS m
    ON m.like_number = a.like_number
  GROUP BY a.like_number
),
ranked AS (
  SELECT
    *,
    count(*) OVER () AS total,
    count(minutes_from_first_view) OVER () AS viewed,
    row_number() OVER (ORDER BY profiles_viewed) AS by_profiles,
    row_number() OVER (ORDER BY mysfits_viewed) AS by_mysfits,
    row_number() OVER (ORDER BY minutes_from_first_view) AS by_minutes
  FROM per_like
)
-- A median is the middle value, or the mean of the two middle values: rows n with 2n between
-- the count and the count + 2. Minutes count likes with a view before them (nulls sort last).
SELECT
  count(*) AS likes,
  avg(CASE WHEN 2 * by_profiles BETWEEN total AND total + 2 THEN profiles_viewed END)
    AS median_profiles_viewed,
  avg(CASE WHEN 2 * by_mysfits BETWEEN total AND total + 2 THEN mysfits_viewed END)
    AS median_distinct_mysfits_viewed,
  avg(CASE WHEN 2 * by_minutes BETWEEN viewed AND viewed + 2 THEN minutes_from_first_view END)
    AS median_minutes_from_first_view,
  count(CASE WHEN profiles_viewed = 0 THEN 1 END) AS liked_without_viewing
FROM ranked
