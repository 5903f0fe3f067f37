-- Clicks per alignment: good or evil, lawful or chaotic.
SELECT goodevil, lawchaos, count(*) AS clicks
FROM clicks
GROUP BY goodevil, lawchaos
ORDER BY goodevil, lawchaos
