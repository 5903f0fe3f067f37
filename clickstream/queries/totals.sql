-- Clicks and distinct visitors (every signed-out visitor is the one user "guest").
SELECT
  count(*) AS clicks,
  count(DISTINCT userid) AS visitors,
  count(*) FILTER (WHERE userid = 'guest') AS guest_clicks
FROM clicks
