-- Clicks per hour of the day (UTC).
SELECT hour(clickedat) AS hour_utc, count(*) AS clicks
FROM clicks
WHERE year * 10000 + month * 100 + day BETWEEN ? AND ?
  AND CAST(clickedat AS date) BETWEEN CAST(? AS date) AND CAST(? AS date)
GROUP BY 1
ORDER BY 1
