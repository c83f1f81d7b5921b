-- fragility_indices: one score per (territory_code, domain_id), the equal-weight mean of the
-- domain's indicator scores ($aggregation: arithmetic, or geometric for positive scores), with
-- the number of indicators it rests on; plus one overall row per territory (domain_id and
-- family 'ensemble': the mean of the 16 domain scores). rank_among_regions: 1 = most fragile
-- of the 18 regions; a custom territory gets the rank it would hold among them; NULL for
-- départements and France. rank_among_departements: 1 = most fragile of the 101 départements,
-- for départements only (their reports rank them among themselves, never among the regions).
-- Relations: indicator_scores, catalogue_domains, territories.
WITH
territory_kind AS (
    SELECT territory_code, any_value(kind) AS kind FROM territories GROUP BY territory_code
),
grid AS (  -- every territory x domain, so that a domain without data shows as NULL with 0 indicators
    SELECT k.territory_code, k.kind, d.domain_id, d.family, d.position
    FROM territory_kind AS k CROSS JOIN catalogue_domains AS d
),
domain_scores AS (
    SELECT g.territory_code, g.kind, g.domain_id, g.family, g.position,
           -- rounded so that scores equal up to floating-point noise tie in the ranks
           round(CASE WHEN $aggregation = 'geometric' THEN exp(avg(ln(s.score)) FILTER (WHERE s.score > 0))
                      ELSE avg(s.score) END, 10) AS score,
           count(s.score) AS n_indicators
    FROM grid AS g
    LEFT JOIN indicator_scores AS s
      ON s.territory_code = g.territory_code AND s.domain_id = g.domain_id AND s.score IS NOT NULL
    GROUP BY g.territory_code, g.kind, g.domain_id, g.family, g.position
),
overall AS (
    SELECT territory_code, kind, 'ensemble' AS domain_id, 'ensemble' AS family, 999 AS position,
           round(CASE WHEN $aggregation = 'geometric' THEN exp(avg(ln(score)) FILTER (WHERE score > 0))
                      ELSE avg(score) END, 10) AS score,
           CAST(sum(n_indicators) AS BIGINT) AS n_indicators
    FROM domain_scores
    GROUP BY territory_code, kind
),
all_scores AS (
    SELECT * FROM domain_scores
    UNION ALL BY NAME
    SELECT * FROM overall
),
region_scores AS (
    SELECT domain_id, score FROM all_scores WHERE kind = 'region' AND score IS NOT NULL
),
departement_scores AS (
    SELECT domain_id, score FROM all_scores WHERE kind = 'departement' AND score IS NOT NULL
)
SELECT a.territory_code, a.domain_id, a.family, a.score,
       CASE WHEN a.kind IN ('region', 'custom') AND a.score IS NOT NULL THEN
           1 + (SELECT count(*) FROM region_scores AS r
                WHERE r.domain_id = a.domain_id AND r.score > a.score)
       END AS rank_among_regions,
       a.n_indicators,
       CASE WHEN a.kind = 'departement' AND a.score IS NOT NULL THEN
           1 + (SELECT count(*) FROM departement_scores AS d
                WHERE d.domain_id = a.domain_id AND d.score > a.score)
       END AS rank_among_departements
FROM all_scores AS a
ORDER BY a.territory_code, a.position
