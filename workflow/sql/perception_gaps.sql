-- perception_gaps: for every territory (France excluded) and domain, the objective score
-- (domain index minus France's, so 0 = France whatever the normalisation) beside the perceived
-- score of the inhabitants (mean /10) and its difference to France.
-- Two readings: the quadrant (position against France on both axes) and the priority mismatch
-- inside the territory: rank of the domain by objective score vs by perceived score
-- (1 = highest; rank_gap = rank_perceived - rank_objective, > 0 when the domain is less of a
-- perceived priority than its objective rank) and Spearman's correlation of the two rankings
-- (average ranks for ties). is_significant is the significance of the perceived difference.
-- The standardised gap (perceived minus objective position, each in standard deviations across
-- the regions) and its Monte Carlo p-value and interval come from gap_uncertainty
-- (impact_regions.uncertainty). The 16 gaps of a territory are one family (DESIGN §7):
-- gap_p_value is the two-sided Monte Carlo p-value, gap_p_holm its Holm adjustment over the
-- territory's domains, is_gap_significant = gap_p_holm < alpha; the interval [gap_ci_low, gap_ci_high]
-- is at the level gap_ci_level (>= 1 - alpha) at which Holm's procedure tests the gap, so it
-- excludes 0 exactly when is_gap_significant.
-- Relations: fragility_indices, survey_estimates, survey_domain_measures, territories, gap_uncertainty.
WITH
territory_kind AS (
    SELECT territory_code, any_value(kind) AS kind FROM territories GROUP BY territory_code
),
objective AS (
    SELECT f.territory_code, f.domain_id, f.score - fr.score AS objective_score
    FROM fragility_indices AS f
    JOIN fragility_indices AS fr ON fr.territory_code = 'FR' AND fr.domain_id = f.domain_id
    WHERE f.domain_id <> 'ensemble'
),
perceived AS (
    SELECT s.territory_code, m.domain_id, s.estimate AS perceived_score,
           s.diff_vs_france AS perceived_diff_vs_france, s.p_value AS perceived_p_value,
           s.is_significant, s.reliability AS perceived_reliability
    FROM survey_estimates AS s
    JOIN survey_domain_measures AS m USING (measure_id)
    WHERE s.respondent_group = $group
),
joined AS (
    SELECT o.territory_code, o.domain_id, o.objective_score, p.perceived_score,
           p.perceived_diff_vs_france, p.perceived_p_value, coalesce(p.is_significant, false) AS is_significant,
           p.perceived_reliability
    FROM objective AS o
    JOIN territory_kind AS k ON k.territory_code = o.territory_code AND k.kind <> 'france'
    LEFT JOIN perceived AS p ON p.territory_code = o.territory_code AND p.domain_id = o.domain_id
),
complete AS (  -- ranks only among domains with both scores
    SELECT territory_code, domain_id, objective_score, perceived_score,
           rank() OVER (PARTITION BY territory_code ORDER BY objective_score DESC) AS rank_objective,
           rank() OVER (PARTITION BY territory_code ORDER BY perceived_score DESC) AS rank_perceived,
           rank() OVER (PARTITION BY territory_code ORDER BY objective_score DESC)
               + (count(*) OVER (PARTITION BY territory_code, objective_score) - 1) / 2.0 AS avg_rank_objective,
           rank() OVER (PARTITION BY territory_code ORDER BY perceived_score DESC)
               + (count(*) OVER (PARTITION BY territory_code, perceived_score) - 1) / 2.0 AS avg_rank_perceived
    FROM joined
    WHERE objective_score IS NOT NULL AND perceived_score IS NOT NULL
),
spearman AS (
    SELECT territory_code, corr(avg_rank_objective, avg_rank_perceived) AS spearman_rho
    FROM complete
    GROUP BY territory_code
)
SELECT j.territory_code, j.domain_id, j.objective_score, j.perceived_score, j.perceived_diff_vs_france,
       c.rank_objective, c.rank_perceived, c.rank_perceived - c.rank_objective AS rank_gap,
       CASE WHEN j.objective_score IS NULL OR j.perceived_diff_vs_france IS NULL THEN NULL
            WHEN j.objective_score > 0 AND j.perceived_diff_vs_france > 0 THEN 'fragilite_reconnue'
            WHEN j.objective_score > 0 THEN 'fragilite_sous_estimee'
            WHEN j.perceived_diff_vs_france > 0 THEN 'inquietude_sans_fragilite'
            ELSE 'atout_partage' END AS quadrant,
       j.is_significant, j.perceived_p_value, j.perceived_reliability, s.spearman_rho,
       u.gap, u.gap_ci_low, u.gap_ci_high, u.gap_ci_level, u.gap_p_value, u.gap_p_holm,
       coalesce(u.is_gap_significant, false) AS is_gap_significant
FROM joined AS j
LEFT JOIN complete AS c USING (territory_code, domain_id)
LEFT JOIN spearman AS s USING (territory_code)
LEFT JOIN gap_uncertainty AS u USING (territory_code, domain_id)
ORDER BY j.territory_code, j.domain_id
