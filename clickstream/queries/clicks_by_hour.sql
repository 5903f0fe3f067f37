-- Profile views per hour of the day (UTC).
SELECT hour(clicked) AS hour_utc, count(*) AS clicks
FROM events
WHERE event = 'profile'
GROUP BY 1
ORDER BY 1
