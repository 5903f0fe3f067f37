-- Clicks and distinct visitors (every signed-out visitor is the one user "guest").
SELECT
  count(*) AS clicks,
  count(DISTINCT userid) AS visitors,
  count(*) FILTER (WHERE userid = 'guest') AS guest_clicks
FROM clicks
WHERE year * 10000 + month * 100 + day BETWEEN ? AND ?
  AND CAST(clickedat AS date) BETWEEN CAST(? AS date) AND CAST(? AS date)
