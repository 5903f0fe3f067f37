-- Clicks per mysfit, most viewed first.
SELECT mysfitid, max(species) AS species, count(*) AS clicks
FROM clicks
GROUP BY mysfitid
ORDER BY clicks DESC, mysfitid
