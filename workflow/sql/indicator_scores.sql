-- indicator_scores: each indicator value normalised and oriented (higher = more fragile).
-- Treatment bounds (winsorisation or log, decided on the départements by impact_regions.treatment)
-- apply to every territory. Normalisation ($normalisation):
--   zscore : direction x (t(x) - t(x_FR)) / sd of t(x) over the départements (0 = France)
--   minmax : 1 + 99 x (t(x) - min) / (max - min) over the départements, reversed when direction = -1
--   ratio  : 100 x x / x_FR (x_FR / x when direction = -1), on winsorised but never logged values
-- Relations: indicator_values, indicator_treatment, catalogue_indicators, territories.
WITH
territory_kind AS (
    SELECT territory_code, any_value(kind) AS kind FROM territories GROUP BY territory_code
),
treated AS (
    SELECT v.indicator_id, v.territory_code, v.domain_id, v.value, k.kind,
           coalesce(t.method, 'none') AS treatment,
           -- DuckDB's least/greatest skip NULLs: a missing value must stay missing (first case), and
           -- a missing bound is no bound (least/greatest with one NULL argument return the other)
           CASE WHEN v.value IS NULL THEN NULL
                WHEN t.method = 'log' AND t.lower IS NOT NULL THEN ln(greatest(v.value, t.lower) - t.lower + 1)
                WHEN t.method = 'log' THEN -ln(t.upper - least(v.value, t.upper) + 1)
                WHEN t.method = 'winsorised' THEN least(greatest(v.value, t.lower), t.upper)
                ELSE v.value END AS tvalue,
           CASE WHEN v.value IS NULL THEN NULL
                WHEN t.method = 'log' THEN v.value
                WHEN t.method = 'winsorised' THEN least(greatest(v.value, t.lower), t.upper)
                ELSE v.value END AS cvalue,
           v.value IS NOT NULL AND (t.method = 'log' OR v.value < t.lower OR v.value > t.upper) AS is_treated
    FROM indicator_values AS v
    JOIN territory_kind AS k USING (territory_code)
    LEFT JOIN indicator_treatment AS t USING (indicator_id)
),
departement_stats AS (
    SELECT indicator_id, stddev_samp(tvalue) AS sd, min(tvalue) AS lo, max(tvalue) AS hi
    FROM treated
    WHERE kind = 'departement'
    GROUP BY indicator_id
),
france AS (
    SELECT indicator_id, tvalue AS fr_t, cvalue AS fr_c FROM treated WHERE territory_code = 'FR'
)
SELECT t.indicator_id, t.territory_code, t.domain_id, t.value,
       CASE $normalisation
           WHEN 'zscore' THEN i.direction * (t.tvalue - f.fr_t) / nullif(s.sd, 0)
           WHEN 'minmax' THEN 1 + 99 * (CASE WHEN i.direction > 0 THEN t.tvalue - s.lo ELSE s.hi - t.tvalue END)
                              / nullif(s.hi - s.lo, 0)
           WHEN 'ratio' THEN CASE WHEN t.cvalue > 0 AND f.fr_c > 0
                                  THEN 100 * (CASE WHEN i.direction > 0 THEN t.cvalue / f.fr_c ELSE f.fr_c / t.cvalue END) END
       END AS score,
       coalesce(t.is_treated, false) AS is_treated,
       t.treatment
FROM treated AS t
JOIN catalogue_indicators AS i USING (indicator_id)
LEFT JOIN departement_stats AS s USING (indicator_id)
LEFT JOIN france AS f USING (indicator_id)
ORDER BY t.indicator_id, t.territory_code
