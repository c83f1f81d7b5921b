-- indicator_values: one value per (indicator_id, territory_code).
-- Additive indicators: sum of commune numerators / sum of commune denominators x multiplier,
-- over the communes where both are known (coverage = share of the denominator covered).
-- Non-additive indicators: the published value at the territory's own level when the catalogue
-- has that level, otherwise a weighted mean over the coarsest published level whose units make
-- up the territory exactly (regions, then départements, then communes), flagged 'moyenne_ponderee';
-- its coverage is the share of the territory's population living in units with a value and a
-- weight (secret or missing units are left out of the mean).
-- Relations registered by impact_regions.indicator_values: indicator_raw, catalogue_terms,
-- catalogue_indicators, territories, communes, departements.
WITH
territory_deps AS (
    SELECT DISTINCT territory_code, departement_code, kind
    FROM territories
),
region_size AS (
    SELECT code_region, count(*) AS n_departements
    FROM departements
    GROUP BY code_region
),
territory_regions AS (  -- regions wholly inside a territory
    SELECT t.territory_code, d.code_region
    FROM territory_deps AS t
    JOIN departements AS d ON d.code_departement = t.departement_code
    JOIN region_size AS s ON s.code_region = d.code_region
    GROUP BY t.territory_code, d.code_region, s.n_departements
    HAVING count(*) = s.n_departements
),
whole_region_territories AS (  -- territories made only of whole regions (France, a region...)
    SELECT t.territory_code
    FROM territory_deps AS t
    JOIN departements AS d ON d.code_departement = t.departement_code
    LEFT JOIN territory_regions AS r ON r.territory_code = t.territory_code AND r.code_region = d.code_region
    GROUP BY t.territory_code
    HAVING count(*) = count(r.code_region)
),
units AS (  -- the units of each level that make up each territory
    SELECT t.territory_code, 'commune' AS level, c.code_commune AS geo_code
    FROM territory_deps AS t
    JOIN communes AS c ON c.code_departement = t.departement_code
    UNION ALL
    SELECT territory_code, 'departement', departement_code FROM territory_deps
    UNION ALL
    SELECT territory_code, 'region', code_region FROM territory_regions
    WHERE territory_code IN (SELECT territory_code FROM whole_region_territories)
),
territory_kind AS (
    SELECT territory_code, any_value(kind) AS kind FROM territory_deps GROUP BY territory_code
),
term_values AS (
    SELECT tm.indicator_id, tm.role, tm.level, r.geo_code, r.value, r.missing_reason
    FROM catalogue_terms AS tm
    JOIN indicator_raw AS r
      ON r.source = tm.source AND r.level = tm.level AND r."column" = tm."column"
),
-- additive indicators ---------------------------------------------------------------------
commune_numerators AS (  -- a commune's numerator is missing if any of its columns is
    SELECT indicator_id, geo_code,
           CASE WHEN count(*) FILTER (WHERE value IS NULL) = 0 THEN sum(value) END AS num,
           min(missing_reason) AS reason
    FROM term_values
    WHERE role = 'numerator'
    GROUP BY indicator_id, geo_code
),
commune_pairs AS (
    SELECT n.indicator_id, n.geo_code, n.num,
           CASE WHEN i.has_denominator THEN d.value ELSE 1.0 END AS den,
           coalesce(n.reason, d.missing_reason) AS reason
    FROM commune_numerators AS n
    JOIN catalogue_indicators AS i USING (indicator_id)
    LEFT JOIN term_values AS d
      ON d.role = 'denominator' AND d.indicator_id = n.indicator_id AND d.geo_code = n.geo_code
),
additive AS (
    SELECT u.territory_code, p.indicator_id,
           sum(p.num) FILTER (WHERE p.num IS NOT NULL AND p.den IS NOT NULL) AS numerator,
           sum(p.den) FILTER (WHERE p.num IS NOT NULL AND p.den IS NOT NULL) AS denominator,
           sum(p.den) FILTER (WHERE p.den IS NOT NULL) AS denominator_all,
           mode(p.reason) AS reason
    FROM units AS u
    JOIN commune_pairs AS p ON u.level = 'commune' AND p.geo_code = u.geo_code
    GROUP BY u.territory_code, p.indicator_id
),
additive_values AS (
    SELECT a.indicator_id, a.territory_code,
           CASE WHEN i.has_denominator THEN a.numerator END AS numerator,
           CASE WHEN i.has_denominator THEN a.denominator END AS denominator,
           CASE WHEN NOT i.has_denominator THEN a.numerator * i.multiplier
                WHEN a.denominator > 0 THEN a.numerator / a.denominator * i.multiplier END AS value,
           CASE WHEN a.numerator IS NULL THEN coalesce(a.reason, 'non_disponible')
                WHEN i.has_denominator AND a.denominator = 0 THEN 'division_par_0' END AS missing_reason,
           'somme_des_effectifs' AS value_method,
           'commune' AS source_level,
           CASE WHEN a.denominator_all > 0 THEN a.denominator / a.denominator_all END AS coverage
    FROM additive AS a
    JOIN catalogue_indicators AS i USING (indicator_id)
),
-- non-additive indicators -----------------------------------------------------------------
indicator_levels AS (
    SELECT DISTINCT indicator_id, level FROM catalogue_terms WHERE role = 'value'
),
level_choice AS (  -- own level first, then the coarsest level whose units make up the territory
    SELECT il.indicator_id, u.territory_code,
           arg_min(il.level,
                   CASE WHEN il.level = k.kind THEN 0
                        WHEN il.level = 'region' THEN 1
                        WHEN il.level = 'departement' THEN 2
                        ELSE 3 END) AS level
    FROM indicator_levels AS il
    JOIN units AS u ON u.level = il.level
    JOIN territory_kind AS k ON k.territory_code = u.territory_code
    GROUP BY il.indicator_id, u.territory_code
),
unit_population AS (  -- COG population of every unit, the base of the coverage of weighted means
    SELECT level, geo_code, value AS population
    FROM indicator_raw
    WHERE source = 'geo' AND "column" = 'population'
),
unit_values AS (
    SELECT c.indicator_id, c.territory_code, c.level, u.geo_code,
           v.value, v.missing_reason, w.value AS weight, p.population
    FROM level_choice AS c
    JOIN units AS u ON u.territory_code = c.territory_code AND u.level = c.level
    LEFT JOIN unit_population AS p ON p.level = c.level AND p.geo_code = u.geo_code
    LEFT JOIN term_values AS v
      ON v.role = 'value' AND v.indicator_id = c.indicator_id AND v.level = c.level AND v.geo_code = u.geo_code
    LEFT JOIN term_values AS w
      ON w.role = 'weight' AND w.indicator_id = c.indicator_id AND w.level = c.level AND w.geo_code = u.geo_code
),
nonadditive_values AS (
    SELECT indicator_id, territory_code,
           CAST(NULL AS DOUBLE) AS numerator,
           CAST(NULL AS DOUBLE) AS denominator,
           CASE WHEN count(*) = 1 THEN any_value(value)
                ELSE sum(value * weight) FILTER (WHERE value IS NOT NULL AND weight > 0)
                     / nullif(sum(weight) FILTER (WHERE value IS NOT NULL AND weight > 0), 0)
           END AS value,
           CASE WHEN count(*) = 1 THEN any_value(missing_reason)
                WHEN count(*) FILTER (WHERE value IS NOT NULL AND weight > 0) = 0
                THEN coalesce(mode(missing_reason), 'non_disponible')
           END AS missing_reason,
           CASE WHEN count(*) = 1 THEN 'publiee' ELSE 'moyenne_ponderee' END AS value_method,
           any_value(level) AS source_level,
           CASE WHEN count(*) = 1 THEN CASE WHEN any_value(value) IS NOT NULL THEN 1.0 ELSE 0.0 END
                ELSE sum(population) FILTER (WHERE value IS NOT NULL AND weight > 0)
                     / nullif(sum(population), 0)
           END AS coverage
    FROM unit_values
    GROUP BY indicator_id, territory_code
),
all_values AS (
    SELECT * FROM additive_values
    UNION ALL BY NAME
    SELECT * FROM nonadditive_values
),
grid AS (  -- every indicator x territory: a territory no source level covers shows as missing
    SELECT i.indicator_id, i.domain_id, i.year, i.additive, k.territory_code
    FROM catalogue_indicators AS i CROSS JOIN territory_kind AS k
)
SELECT g.indicator_id, g.territory_code, g.domain_id, g.year,
       v.numerator, v.denominator, v.value,
       CASE WHEN v.indicator_id IS NULL THEN 'niveau_non_couvert' ELSE v.missing_reason END AS missing_reason,
       coalesce(v.value_method, CASE WHEN g.additive THEN 'somme_des_effectifs' ELSE 'moyenne_ponderee' END) AS value_method,
       v.source_level, coalesce(v.coverage, 0.0) AS coverage
FROM grid AS g
LEFT JOIN all_values AS v ON v.indicator_id = g.indicator_id AND v.territory_code = g.territory_code
ORDER BY g.indicator_id, g.territory_code
