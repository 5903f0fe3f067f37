-- Profile views per mysfit, most viewed first.
SELECT mysfitid, max(name) AS name, max(species) AS species, count(*) AS clicks
FROM events
WHERE event = 'profile'
GROUP BY mysfitid
ORDER BY clicks DESC, mysfitid
