-- Clicks per mysfit, most viewed first.
SELECT mysfitid, max(species) AS species, count(*) AS clicks
FROM clicks
WHERE year * 10000 + month * 100 + day BETWEEN ? AND ?
  AND CAST(clickedat AS date) BETWEEN CAST(? AS date) AND CAST(? AS date)
GROUP BY mysfitid
ORDER BY clicks DESC, mysfitid
