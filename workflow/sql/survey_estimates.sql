-- survey_estimates (point estimates and variances): for each territory, respondent group and
-- measure, the weighted estimate (ratio mean sum(w y) / sum(w) over respondents of the territory
-- and group with a valid answer), its Taylor-linearised variance under the file's stratified
-- cluster design (with-replacement PSUs, the whole file's strata and PSUs: domain estimation),
-- n, Kish's n_eff, and the difference to France with the variance of the linearised contrast
-- z_T - z_FR, which accounts for the territory's respondents being part of France.
-- Var = sum_h n_h/(n_h-1) sum_j (z_hj - mean_h z)^2 over PSU totals z_hj; singleton strata
-- (n_h = 1) contribute 0. Raked weights: z is replaced by its residual after regression on the
-- raking variables within each raking cell (impact_regions.calibration_variance): the PSU total
-- becomes z_hj - sum_l coef_hj,l h_l, with h_l = sum q (y - estimate) / sum(w) over the answers
-- in column l (relations calibration_units, calibration_psu; empty when nothing is raked).
-- Intervals, p-values and reliability are added by impact_regions.survey_estimates.
-- Relations: survey_respondents, survey_responses, territories, calibration_units, calibration_psu.
WITH
design AS (  -- PSUs per stratum over the whole file, answering or not
    SELECT stratum, count(DISTINCT psu) AS n_psu
    FROM survey_respondents
    GROUP BY stratum
),
answers AS (
    SELECT a.file_id, a.respondent_id, a.measure_id, a.y, r.respondent_group, r.departement_code, r.stratum,
           r.psu, r.weight
    FROM survey_responses AS a
    JOIN survey_respondents AS r USING (file_id, respondent_id)
),
territory_deps AS (
    SELECT DISTINCT territory_code, departement_code FROM territories
),
members AS (  -- each answer once for every territory its respondent lives in
    SELECT t.territory_code, a.*
    FROM answers AS a
    JOIN territory_deps AS t USING (departement_code)
),
point AS (
    SELECT territory_code, respondent_group, measure_id,
           sum(weight * y) / sum(weight) AS estimate,
           sum(weight) AS weight_sum,
           count(*) AS n,
           sum(weight) * sum(weight) / sum(weight * weight) AS n_eff
    FROM members
    GROUP BY territory_code, respondent_group, measure_id
),
psu_sums AS (  -- answers summed per département and PSU (a PSU may straddle départements)
    SELECT departement_code, respondent_group, measure_id, stratum, psu,
           sum(weight) AS sum_w, sum(weight * y) AS sum_wy
    FROM answers
    GROUP BY departement_code, respondent_group, measure_id, stratum, psu
),
fixed_psu_totals AS (  -- linearised variable z = w (y - estimate) / sum(w), totalled per PSU
    SELECT t.territory_code, s.respondent_group, s.measure_id, s.stratum, s.psu,
           (sum(s.sum_wy) - any_value(p.estimate) * sum(s.sum_w)) / any_value(p.weight_sum) AS z
    FROM psu_sums AS s
    JOIN territory_deps AS t USING (departement_code)
    JOIN point AS p ON p.territory_code = t.territory_code AND p.respondent_group = s.respondent_group
                   AND p.measure_id = s.measure_id
    GROUP BY t.territory_code, s.respondent_group, s.measure_id, s.stratum, s.psu
),
calibration_sums AS (  -- raked answers summed per département and calibration column (q, q y)
    SELECT a.departement_code, a.respondent_group, a.measure_id, u.cell, u.variable, u.category,
           sum(u.q) AS sum_q, sum(u.q * a.y) AS sum_qy
    FROM answers AS a
    JOIN calibration_units AS u USING (file_id, respondent_id)
    GROUP BY a.departement_code, a.respondent_group, a.measure_id, u.cell, u.variable, u.category
),
calibration_h AS (  -- per raking cell and column: sum q x (y - estimate) / sum(w) over the answers
    SELECT t.territory_code, c.respondent_group, c.measure_id, c.cell, c.variable, c.category,
           (sum(c.sum_qy) - any_value(p.estimate) * sum(c.sum_q)) / any_value(p.weight_sum) AS h
    FROM calibration_sums AS c
    JOIN territory_deps AS t USING (departement_code)
    JOIN point AS p ON p.territory_code = t.territory_code AND p.respondent_group = c.respondent_group
                   AND p.measure_id = c.measure_id
    GROUP BY t.territory_code, c.respondent_group, c.measure_id, c.cell, c.variable, c.category
),
calibration_fit AS (  -- PSU totals of w x'B: the part of z the raking variables explain
    SELECT h.territory_code, h.respondent_group, h.measure_id, c.stratum, c.psu, sum(c.coef * h.h) AS fit
    FROM calibration_h AS h
    JOIN calibration_psu AS c USING (cell, variable, category)
    GROUP BY h.territory_code, h.respondent_group, h.measure_id, c.stratum, c.psu
),
psu_totals AS (  -- the residual's PSU totals (z itself when nothing is raked)
    SELECT territory_code, respondent_group, measure_id, stratum, psu, sum(z) AS z
    FROM (SELECT * FROM fixed_psu_totals
          UNION ALL
          SELECT territory_code, respondent_group, measure_id, stratum, psu, -fit FROM calibration_fit)
    GROUP BY territory_code, respondent_group, measure_id, stratum, psu
),
france_psu AS (
    SELECT respondent_group, measure_id, stratum, psu, z AS z_fr
    FROM psu_totals
    WHERE territory_code = 'FR'
),
france_strata AS (
    SELECT respondent_group, measure_id, stratum, sum(z_fr) AS s_fr, sum(z_fr * z_fr) AS q_fr
    FROM france_psu
    GROUP BY respondent_group, measure_id, stratum
),
france_variance AS (
    SELECT f.respondent_group, f.measure_id,
           sum(CASE WHEN d.n_psu > 1 THEN d.n_psu / (d.n_psu - 1) * (f.q_fr - f.s_fr * f.s_fr / d.n_psu) ELSE 0 END) AS v_fr
    FROM france_strata AS f
    JOIN design AS d USING (stratum)
    GROUP BY f.respondent_group, f.measure_id
),
territory_strata AS (  -- strata where the territory has respondents: its sums and cross products with France
    SELECT p.territory_code, p.respondent_group, p.measure_id, p.stratum,
           sum(p.z) AS s_t, sum(p.z * p.z) AS q_t, sum(p.z * coalesce(f.z_fr, 0)) AS c_t_fr
    FROM psu_totals AS p
    LEFT JOIN france_psu AS f USING (respondent_group, measure_id, stratum, psu)
    GROUP BY p.territory_code, p.respondent_group, p.measure_id, p.stratum
),
territory_variance AS (
    SELECT t.territory_code, t.respondent_group, t.measure_id,
           sum(CASE WHEN d.n_psu > 1 THEN d.n_psu / (d.n_psu - 1) * (t.q_t - t.s_t * t.s_t / d.n_psu) ELSE 0 END) AS v_t,
           -- in these strata the contrast's PSU totals are z_T - z_FR; elsewhere they are -z_FR,
           -- whose contribution is already in France's variance: swap it for the contrast's
           sum(CASE WHEN d.n_psu > 1 THEN d.n_psu / (d.n_psu - 1) * (
                   (t.q_t - 2 * t.c_t_fr + coalesce(f.q_fr, 0))
                   - (t.s_t - coalesce(f.s_fr, 0)) * (t.s_t - coalesce(f.s_fr, 0)) / d.n_psu
                   - (coalesce(f.q_fr, 0) - coalesce(f.s_fr, 0) * coalesce(f.s_fr, 0) / d.n_psu))
               ELSE 0 END) AS v_diff_adjust
    FROM territory_strata AS t
    JOIN design AS d USING (stratum)
    LEFT JOIN france_strata AS f USING (respondent_group, measure_id, stratum)
    GROUP BY t.territory_code, t.respondent_group, t.measure_id
)
SELECT p.territory_code, p.respondent_group, p.measure_id,
       p.estimate,
       sqrt(greatest(v.v_t, 0)) AS se,
       p.n, p.n_eff,
       CASE WHEN p.territory_code <> 'FR' THEN p.estimate - fr.estimate END AS diff_vs_france,
       CASE WHEN p.territory_code <> 'FR' THEN sqrt(greatest(fv.v_fr + v.v_diff_adjust, 0)) END AS se_diff
FROM point AS p
JOIN territory_variance AS v USING (territory_code, respondent_group, measure_id)
LEFT JOIN point AS fr
  ON fr.territory_code = 'FR' AND fr.respondent_group = p.respondent_group AND fr.measure_id = p.measure_id
LEFT JOIN france_variance AS fv
  ON fv.respondent_group = p.respondent_group AND fv.measure_id = p.measure_id
ORDER BY p.territory_code, p.respondent_group, p.measure_id
