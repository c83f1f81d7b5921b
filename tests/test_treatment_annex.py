"""The methodology annex's wording of the treatment and of the perception gaps' correction
(impact_regions.methodology_annex), from inline configurations."""

from __future__ import annotations

import math

from impact_regions.french import NBSP
from impact_regions.methodology_annex import method_label, treatment_text, treatment_words


def config(method="box_cox", enabled=True, mc=("box_cox", "none")):
    return {
        "index": {
            "treatment": {
                "enabled": enabled,
                "method": method,
                "skew_threshold": 2.0,
                "kurtosis_threshold": 3.5,
                "max_winsorised": 5,
            }
        },
        "uncertainty": {"treatment": list(mc)},
    }


def test_default_treatment_is_described_as_strictly_increasing():
    # GIVEN the default configuration / WHEN the paragraph is written
    text = treatment_text(config())
    # THEN it states the rule's thresholds, the Box-Cox transform and the order-keeping property
    assert "asymétrie dépasse 2 en valeur absolue" in text and "dépasse 3,5" in text
    assert "Box-Cox" in text and "strictement croissante" in text and "même ordre" in text
    assert "écrêt" not in text and f"{NBSP}:" in text


def test_winsorise_option_says_it_gives_ties_and_disabled_says_nothing_is_treated():
    # GIVEN the non-default winsorisation, then no treatment / WHEN / THEN each is described as such
    w = treatment_text(config("winsorise"))
    assert "écrêtage, 5 départements au plus" in w and "même score" in w and "Box-Cox" in w
    assert "ne traite pas" in treatment_text(config(enabled=False))


def test_labels_of_the_treatments():
    # GIVEN / WHEN / THEN the power is printed, 0 as the logarithm; the Monte Carlo's options in words
    assert method_label("box_cox", 0.0) == "logarithme (Box-Cox, λ = 0)"
    assert method_label("box_cox", 0.25) == "Box-Cox, λ = 0,25"
    assert method_label("winsorisation", math.nan) == "écrêtage"
    assert treatment_words(config()) == ["transformation de Box-Cox", "aucun"]
    assert treatment_words(config("winsorise", mc=(True, False))) == ["écrêtage", "aucun"]
