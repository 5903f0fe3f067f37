-- From a profile view to a like and an adoption, per mysfit, most viewed first.
SELECT
  mysfitid,
  max(name) AS name,
  count(DISTINCT CASE WHEN event = 'profile' THEN visitor END) AS viewers,
  count(DISTINCT CASE WHEN event = 'like' AND authenticated THEN userkey END) AS likers,
  count(DISTINCT CASE WHEN event = 'adopt' AND authenticated THEN userkey END) AS adopters
FROM events
GROUP BY mysfitid
ORDER BY viewers DESC, mysfitid
