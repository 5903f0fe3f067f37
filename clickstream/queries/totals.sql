-- Events, visitors and signed-in users; bot events are left out of every question but counted here.
SELECT
  count(*) AS events,
  count(CASE WHEN event = 'profile' THEN 1 END) AS profile_views,
  count(CASE WHEN event = 'like' THEN 1 END) AS likes,
  count(CASE WHEN event = 'adopt' THEN 1 END) AS adoptions,
  count(DISTINCT visitor) AS visitors,
  count(DISTINCT CASE WHEN authenticated THEN userkey END) AS signed_in_users,
  (SELECT count(*) FROM once WHERE bot) AS bot_events
FROM events
