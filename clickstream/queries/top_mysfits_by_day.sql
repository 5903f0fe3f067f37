-- The three most viewed mysfits of each day (UTC), ties share a place.
SELECT click_date, day_rank, mysfitid, name, clicks
FROM (
  SELECT
    CAST(clicked AS date) AS click_date,
    mysfitid,
    max(name) AS name,
    count(*) AS clicks,
    rank() OVER (PARTITION BY CAST(clicked AS date) ORDER BY count(*) DESC) AS day_rank
  FROM events
  WHERE event = 'profile'
  GROUP BY CAST(clicked AS date), mysfitid
)
WHERE day_rank <= 3
ORDER BY click_date, day_rank, mysfitid
