-- Clicks per alignment: good or evil, lawful or chaotic.
SELECT goodevil, lawchaos, count(*) AS clicks
FROM clicks
WHERE year * 10000 + month * 100 + day BETWEEN ? AND ?
  AND CAST(clickedat AS date) BETWEEN CAST(? AS date) AND CAST(? AS date)
GROUP BY goodevil, lawchaos
ORDER BY goodevil, lawchaos
