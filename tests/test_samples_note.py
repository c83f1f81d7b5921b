"""The note on sample sizes at the head of the survey pages, and the short sentences of the
figures it covers (report_method.samples_note, charts.omit)."""

from __future__ import annotations

from impact_regions.charts import omit
from impact_regions.report_method import samples_note

LOZERE = {"habitants": 13, "associations": 2, "entreprises": 1, "maires": 0}


def test_every_group_under_the_threshold_gives_one_note_with_the_numbers():
    # GIVEN a département where no group reaches 30 respondents
    # WHEN the note is written
    note = samples_note("en Lozère", LOZERE, 30)
    # THEN it gives every group's number, in words for none and one, the threshold, and says what stands in
    assert note.startswith("Trop peu de personnes ont répondu aux enquêtes en Lozère pour en publier les résultats")
    assert "13\u00a0habitants, 2\u00a0associations, une entreprise et aucun maire" in note
    assert "au moins 30 par groupe" in note and "Les résultats de la France sont donnés pour comparaison" in note


def test_only_the_groups_under_the_threshold_are_named():
    # GIVEN an overseas region whose organisations are under the threshold, not its inhabitants
    samples = {"habitants": 120, "associations": 16, "entreprises": 16, "maires": 29}
    # WHEN the note is written
    note = samples_note("à Mayotte", samples, 30)
    # THEN it names the three organisations' groups, not the inhabitants
    assert note.startswith("Trop peu d’associations, d’entreprises et de maires ont répondu aux enquêtes à Mayotte")
    assert "habitant" not in note and note.endswith("donnés pour comparaison là où ils éclairent la lecture.")
    # AND the threshold is the configuration's: at 25, the maires (29) are no longer named
    lower = samples_note("à Mayotte", samples, 25)
    assert "au moins 25 par groupe" in lower and "maire" not in lower


def test_no_note_when_every_group_reaches_the_threshold():
    assert (
        samples_note("en Bretagne", {"habitants": 808, "associations": 134, "entreprises": 134, "maires": 30}, 30) == ""
    )


def context(samples: dict, note: str) -> dict:
    """The keys the omitted charts' sentences read."""
    return {
        "territory": {"locative": "en Lozère", "kind": "departement"},
        "samples": samples,
        "samples_note": note,
        "method": {"estimation": {"min_n_publish": 30}},
        "perceived": [{"label": "Emploi", "france": 6.4}],
        "gaps": [{"objective": 0.3}],
    }


def test_a_figure_the_note_covers_says_it_in_a_few_words():
    # GIVEN Lozère with its note
    ctx = context(LOZERE, samples_note("en Lozère", LOZERE, 30))
    # WHEN the inhabitants' perception and the quadrant give way to a sentence
    perceived, quadrant = omit.perceived(ctx), omit.quadrant(ctx)
    # THEN the sentence says too few answered, without repeating the threshold the note gives
    assert perceived.startswith("Trop peu d’habitants ont répondu en Lozère pour publier leur perception")
    assert "30" not in perceived and "l’emploi (6,4/10)" in perceived
    assert quadrant.endswith("la perception des habitants n’y est pas publiée.")


def test_a_figure_the_note_does_not_cover_keeps_the_threshold():
    # GIVEN a territory whose inhabitants reach 30, though too few answered one question
    samples = {"habitants": 45, "associations": 40, "entreprises": 40, "maires": 40}
    ctx = context(samples, samples_note("en Lozère", samples, 30))
    # WHEN the perception gives way to a sentence
    text = omit.perceived(ctx)
    # THEN it says why in full, with the threshold
    assert ctx["samples_note"] == ""
    assert text.startswith("Les effectifs d’habitants interrogés en Lozère sont trop faibles (moins de 30")
