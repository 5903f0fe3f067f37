-- Clicks per hour of the day (UTC).
SELECT hour(from_iso8601_timestamp(clickedat)) AS hour_utc, count(*) AS clicks
FROM clicks
GROUP BY 1
ORDER BY 1
