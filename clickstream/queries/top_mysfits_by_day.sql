-- The three most viewed mysfits of each day (UTC), ties share a place.
SELECT click_date, day_rank, mysfitid, clicks
FROM (
  SELECT
    click_date,
    mysfitid,
    count(*) AS clicks,
    rank() OVER (PARTITION BY click_date ORDER BY count(*) DESC) AS day_rank
  FROM (
    SELECT CAST(from_iso8601_timestamp(clickedat) AS date) AS click_date, mysfitid
    FROM clicks
  )
  GROUP BY click_date, mysfitid
)
WHERE day_rank <= 3
ORDER BY click_date, day_rank, mysfitid
