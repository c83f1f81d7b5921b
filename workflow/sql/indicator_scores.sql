-- indicator_scores: each indicator value normalised and oriented (higher = more fragile).
-- The treatment (decided on the départements by impact_regions.treatment, one row per indicator
-- in indicator_treatment) applies with the same parameters to every territory:
--   box_cox    : strictly increasing, defined on every real value. y = (x - anchor) / scale + 1
--                (right tail; (anchor - x) / scale + 1 for a left tail), g(y) = (y^power - 1) / power,
--                ln(y) when power = 0, and y - 1 beyond the anchor (y < 1); t(x) = g(y), -g(y) for a
--                left tail. Distinct values keep distinct, ordered scores.
--   winsorisation : (non-default option) values clipped to [lower, upper] (a missing bound does not clip)
--   aucun      : t(x) = x
-- Normalisation ($normalisation):
--   zscore : direction x (t(x) - t(x_FR)) / sd of t(x) over the départements (0 = France)
--   minmax : 1 + 99 x (t(x) - min) / (max - min) over the départements, reversed when direction = -1
--   ratio  : 100 x x / x_FR (x_FR / x when direction = -1), on winsorised but never transformed values
-- Relations: indicator_values, indicator_treatment, catalogue_indicators, territories.
WITH
territory_kind AS (
    SELECT territory_code, any_value(kind) AS kind FROM territories GROUP BY territory_code
),
shifted AS (
    SELECT v.indicator_id, v.territory_code, v.domain_id, v.value, k.kind,
           coalesce(t.method, 'aucun') AS treatment, t.power, t.lower, t.upper,
           CASE WHEN t.tail = 'gauche' THEN -1.0 ELSE 1.0 END AS tail_sign,
           -- distance from the anchor in scale units, + 1 (>= 1 inside the départements' range)
           CASE WHEN t.method = 'box_cox' THEN
                (CASE WHEN t.tail = 'gauche' THEN t.anchor - v.value ELSE v.value - t.anchor END) / t.scale + 1
           END AS y
    FROM indicator_values AS v
    JOIN territory_kind AS k USING (territory_code)
    LEFT JOIN indicator_treatment AS t USING (indicator_id)
),
treated AS (
    SELECT indicator_id, territory_code, domain_id, value, kind, treatment,
           -- DuckDB's least/greatest skip NULLs: a missing value must stay missing (first case), and
           -- a missing bound is no bound (least/greatest with one NULL argument return the other)
           CASE WHEN value IS NULL THEN NULL
                WHEN treatment = 'box_cox' THEN tail_sign * (
                    CASE WHEN y < 1 THEN y - 1
                         WHEN power = 0 THEN ln(greatest(y, 1))
                         ELSE (pow(greatest(y, 1), power) - 1) / power END)
                WHEN treatment = 'winsorisation' THEN least(greatest(value, lower), upper)
                ELSE value END AS tvalue,
           CASE WHEN value IS NULL THEN NULL
                WHEN treatment = 'winsorisation' THEN least(greatest(value, lower), upper)
                ELSE value END AS cvalue,
           value IS NOT NULL AND (treatment = 'box_cox'
                                  OR (treatment = 'winsorisation' AND (value < lower OR value > upper))) AS is_treated
    FROM shifted
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
