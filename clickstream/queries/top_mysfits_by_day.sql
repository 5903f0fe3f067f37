-- The three most viewed mysfits of each day (UTC), ties share a place.
SELECT click_date, day_rank, mysfitid, clicks
FROM (
  SELECT
    click_date,
    mysfitid,
    count(*) AS clicks,
    rank() OVER (PARTITION BY click_date ORDER BY count(*) DESC) AS day_rank
  FROM (
    SELECT CAST(clickedat AS date) AS click_date, mysfitid
    FROM clicks
    WHERE year * 10000 + month * 100 + day BETWEEN ? AND ?
      AND CAST(clickedat AS date) BETWEEN CAST(? AS date) AND CAST(? AS date)
  )
  GROUP BY click_date, mysfitid
)
WHERE day_rank <= 3
ORDER BY click_date, day_rank, mysfitid
