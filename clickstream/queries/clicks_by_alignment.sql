-- Profile views per alignment: good or evil, lawful or chaotic.
SELECT goodevil, lawchaos, count(*) AS clicks
FROM events
WHERE event = 'profile'
GROUP BY goodevil, lawchaos
ORDER BY goodevil, lawchaos
