# Reference numbers for tests/test_calibration_variance.py, computed with R `survey`
# (Debian: apt-get install --no-install-recommends r-cran-survey r-cran-mass; calibrate() needs MASS).
#
# Usage: Rscript calibrated_variance.R sample.csv pop_sexe.csv pop_age.csv estimates.csv weights.csv
#
# sample.csv: one row per respondent: id, region, stratum, psu, w (design weight as delivered),
#   sexe, age, one 0/1 column per domain (dom_<code>) and one column per measure (y_<measure>,
#   NA when the respondent has no valid answer).
# pop_sexe.csv, pop_age.csv: region, sexe (or age), Freq: adult population totals, the raking
#   margins, within each region (margins region x sexe and region x age band).
#
# The same stratified cluster design (with-replacement PSUs nested in strata, no fpc) is
# calibrated three ways, and every measure is estimated on every domain with svymean (domain
# estimation: subset() of a calibrated design keeps the whole design):
#   rake       rake() on the two margins: raking variance by alternate centring within margins
#   calibrate  calibrate(calfun = "raking") on the same margins: g-weighted residuals of the
#              regression on the margin indicators with design weights (Deville-Särndal)
#   fixed      the raked weights used as fixed design weights (no calibration in the variance)
# estimates.csv: method, domain, measure, mean, se.  weights.csv: id, w_rake, w_calibrate.
suppressMessages(library(survey))
options(survey.lonely.psu = "fail", digits = 17)
args <- commandArgs(trailingOnly = TRUE)
chr <- function(...) setNames(rep("character", length(c(...))), c(...))
d <- read.csv(args[1], colClasses = chr("id", "region", "stratum", "psu"))
pop_sexe <- read.csv(args[2], colClasses = chr("region"))
pop_age <- read.csv(args[3], colClasses = chr("region"))

d$rs <- factor(paste(d$region, d$sexe, sep = "_"))
d$ra <- factor(paste(d$region, d$age, sep = "_"))
design <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = d, nest = TRUE)

# rake(): population margins as data frames named after the sample margins
ps <- data.frame(rs = paste(pop_sexe$region, pop_sexe$sexe, sep = "_"), Freq = pop_sexe$Freq)
pa <- data.frame(ra = paste(pop_age$region, pop_age$age, sep = "_"), Freq = pop_age$Freq)
raked <- rake(design, list(~rs, ~ra), list(ps, pa), control = list(maxit = 1000, epsilon = 1e-11))

# calibrate(): one indicator per region x sex, per region x age band but the first (the margins
# share each region's total)
totals <- c()
for (r in sort(unique(d$region))) {
  for (s in sort(unique(d$sexe[d$region == r]))) {
    nm <- paste0("S_", r, "_", s)
    d[[nm]] <- as.numeric(d$region == r & d$sexe == s)
    totals[nm] <- pop_sexe$Freq[pop_sexe$region == r & pop_sexe$sexe == s]
  }
  for (a in sort(unique(d$age[d$region == r]))[-1]) {
    nm <- paste0("A_", r, "_", a)
    d[[nm]] <- as.numeric(d$region == r & d$age == a)
    totals[nm] <- pop_age$Freq[pop_age$region == r & pop_age$age == a]
  }
}
design2 <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = d, nest = TRUE)
calibrated <- calibrate(design2, as.formula(paste("~ 0 +", paste(names(totals), collapse = " + "))),
                        population = totals, calfun = "raking", maxit = 1000, epsilon = 1e-11)

d$w_raked <- weights(raked)
fixed <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w_raked, data = d, nest = TRUE)

designs <- list(rake = raked, calibrate = calibrated, fixed = fixed)
domains <- sub("^dom_", "", grep("^dom_", names(d), value = TRUE))
measures <- sub("^y_", "", grep("^y_", names(d), value = TRUE))
rows <- list()
for (method in names(designs)) {
  for (dom in domains) {
    for (m in measures) {
      # the domain: a subset of the calibrated design (its other rows get weight 0, the design
      # and the calibration are kept); their NA answers are set to 0, which then counts for nothing
      y <- d[[paste0("y_", m)]]
      keep <- d[[paste0("dom_", dom)]] == 1 & !is.na(y)
      des <- designs[[method]]
      des$variables$y <- ifelse(is.na(y), 0, y)
      est <- svymean(~y, subset(des, keep))
      rows[[length(rows) + 1]] <- data.frame(method = method, domain = dom, measure = m,
                                             mean = unname(coef(est)), se = unname(SE(est)))
    }
  }
}
write.csv(do.call(rbind, rows), args[4], row.names = FALSE)
write.csv(data.frame(id = d$id, w_rake = weights(raked), w_calibrate = weights(calibrated)), args[5],
          row.names = FALSE)
