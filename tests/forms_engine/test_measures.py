"""The published measures (PHQ-9, GAD-7, WHO-5, CSI-4, CSI-16), the intake questions and
the safety screen in handouts/exercises: they load, hold the published items, and score
as the published rules say, checked at the edge of every band and cut-off."""

import pytest

from clinic import PROJECT_ROOT
from clinic.forms_engine.definitions import Definition, Item, load_definitions
from clinic.forms_engine.scorers import SCORERS, check_scoring

CONTENT = PROJECT_ROOT / "handouts"
MEASURES = ("phq-9", "gad-7", "who-5", "csi-4", "csi-16")
OURS = ("intake-questionnaire", "safety-screen")
SLUGS = MEASURES + OURS
SCORED = MEASURES + ("safety-screen",)
score = SCORERS["sum"]

PROBLEMS: list = []
DEFINITIONS = load_definitions(CONTENT, PROBLEMS)


def get(slug: str) -> Definition:
    definition = DEFINITIONS.get(slug)
    assert definition is not None, f"{slug} did not load"
    return definition


def scored_items(definition: Definition) -> list[Item]:
    return [definition.item(item_id) for item_id in definition.scoring["items"]]


def points_of(item: Item) -> list[int]:
    if item.type == "likert":
        return item.scale.points
    return sorted(int(option.value) for option in item.options)


def answer(item: Item, points: int):
    """The stored answer that is worth ``points`` as published (int for Likert, the
    option value for single choice)."""
    if item.type == "likert":
        assert item.scale.min <= points <= item.scale.max
        return points
    matches = [o.value for o in item.options if int(o.value) == points]
    assert len(matches) == 1, (item.id, points)
    return matches[0]


def answers_for(definition: Definition, raw_total: int) -> dict:
    """Answers to every scored item whose points add up to ``raw_total``."""
    answers, remaining = {}, raw_total
    for item in scored_items(definition):
        low, high = min(points_of(item)), max(points_of(item))
        points = max(low, min(high, remaining))
        answers[item.id] = answer(item, points)
        remaining -= points
    assert remaining == 0, f"{raw_total} is out of range for {definition.slug}"
    return answers


def labels(definition: Definition) -> dict[tuple[int, int], str]:
    return {(b["min"], b["max"]): b["label"] for b in definition.scoring["bands"]}


# --- Loading --------------------------------------------------------------------------------


def test_the_folder_loads_without_problems():
    assert [str(p) for p in PROBLEMS] == []
    assert set(SLUGS) <= set(DEFINITIONS)


@pytest.mark.parametrize("slug", SLUGS)
def test_each_file_loads_and_checks(slug):
    definition = get(slug)
    assert definition.slug == slug
    assert definition.layer == "foundations"
    assert definition.path == f"exercises/{slug}.yaml"
    assert check_scoring(definition) == []


@pytest.mark.parametrize("slug", MEASURES)
def test_published_measures_are_questionnaires_with_their_terms(slug):
    definition = get(slug)
    assert definition.kind == "questionnaire"
    assert definition.scorer == "sum"
    for text in (definition.source, definition.licence, definition.scoring_reference):
        assert text.strip()
    assert "not a diagnosis" in definition.notice or "not a test" in definition.notice


@pytest.mark.parametrize(
    "slug, words",
    [
        ("phq-9", ["Pfizer", "no permission required to reproduce, translate, display"]),
        ("gad-7", ["Pfizer", "no permission required to reproduce, translate, display"]),
        ("who-5", ["WHO Collaborating Centre", "free to use"]),
        ("csi-4", ["Funk & Rogge (2007)", "research and clinical"]),
        ("csi-16", ["Funk & Rogge (2007)", "research and clinical"]),
    ],
)
def test_licence_states_the_terms(slug, words):
    for word in words:
        assert word in get(slug).licence


@pytest.mark.parametrize(
    "slug, reference",
    [
        ("phq-9", "J Gen Intern Med. 2001;16(9):606-613"),
        ("gad-7", "Arch Intern Med. 2006;166(10):1092-1097"),
        ("who-5", "Psychother Psychosom. 2015;84(3):167-176"),
        ("csi-4", "J Fam Psychol. 2007;21(4):572-583"),
        ("csi-16", "J Fam Psychol. 2007;21(4):572-583"),
    ],
)
def test_scoring_reference_cites_the_paper(slug, reference):
    assert reference in get(slug).scoring_reference


def test_our_own_definitions_are_exercises_in_our_own_words():
    for slug in OURS:
        definition = get(slug)
        assert definition.kind == "exercise"
        assert definition.source.startswith("Our own items")


def test_only_the_safety_screen_is_confidential():
    assert [slug for slug, d in DEFINITIONS.items() if d.confidential] == ["safety-screen"]


# --- Items ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "slug, count", [("phq-9", 9), ("gad-7", 7), ("who-5", 5), ("csi-4", 4), ("csi-16", 16)]
)
def test_item_counts(slug, count):
    definition = get(slug)
    ids = [f"q{n}" for n in range(1, count + 1)]
    assert definition.scoring["items"] == ids
    assert [item.id for item in scored_items(definition)] == ids
    assert all(item.required for item in scored_items(definition))


def test_phq9_items_options_and_the_unscored_difficulty_question():
    phq = get("phq-9")
    assert [item.id for item in phq.items] == [f"q{n}" for n in range(1, 10)] + ["difficulty"]
    assert phq.sections[0].intro == (
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    )
    for item in scored_items(phq):
        assert item.type == "likert" and not item.reverse
        assert item.scale.anchors == {
            0: "Not at all",
            1: "Several days",
            2: "More than half the days",
            3: "Nearly every day",
        }
    assert phq.item("q1").prompt == "Little interest or pleasure in doing things"
    assert phq.item("q9").prompt == (
        "Thoughts that you would be better off dead or of hurting yourself in some way"
    )
    difficulty = phq.item("difficulty")
    assert difficulty.required is False
    assert [o.label for o in difficulty.options] == [
        "Not difficult at all",
        "Somewhat difficult",
        "Very difficult",
        "Extremely difficult",
    ]


def test_gad7_items():
    gad = get("gad-7")
    assert [item.prompt for item in gad.items] == [
        "Feeling nervous, anxious, or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid as if something awful might happen",
    ]
    assert all(item.scale.points == [0, 1, 2, 3] for item in gad.items)


def test_who5_items_and_options():
    who = get("who-5")
    assert [item.prompt for item in who.items] == [
        "I have felt cheerful and in good spirits",
        "I have felt calm and relaxed",
        "I have felt active and vigorous",
        "I woke up feeling fresh and rested",
        "My daily life has been filled with things that interest me",
    ]
    for item in who.items:
        assert [(o.value, o.label) for o in item.options] == [
            ("5", "All of the time (5)"),
            ("4", "Most of the time (4)"),
            ("3", "More than half of the time (3)"),
            ("2", "Less than half of the time (2)"),
            ("1", "Some of the time (1)"),
            ("0", "At no time (0)"),
        ]


def test_csi_item_1_is_the_seven_point_happiness_item():
    for slug in ("csi-4", "csi-16"):
        item = get(slug).item("q1")
        assert item.prompt == (
            "Please indicate the degree of happiness, all things considered, of your relationship."
        )
        assert item.scale.points == [0, 1, 2, 3, 4, 5, 6]
        assert item.scale.anchors[0] == "Extremely Unhappy"
        assert item.scale.anchors[6] == "Perfect"


def test_csi4_items_are_the_csi16_items_1_5_7_10():
    csi4, csi16 = get("csi-4"), get("csi-16")
    for short_id, long_id in (("q1", "q1"), ("q2", "q5"), ("q3", "q7"), ("q4", "q10")):
        assert csi4.item(short_id).prompt == csi16.item(long_id).prompt
        assert points_of(csi4.item(short_id)) == points_of(csi16.item(long_id))


def test_csi_items_after_the_first_run_0_to_5():
    for slug in ("csi-4", "csi-16"):
        for item in scored_items(get(slug))[1:]:
            assert points_of(item) == [0, 1, 2, 3, 4, 5], (slug, item.id)


# --- PHQ-9 ------------------------------------------------------------------------------------

PHQ9_BANDS = [
    (0, "Minimal range (0-4)"),
    (4, "Minimal range (0-4)"),
    (5, "Mild range (5-9)"),
    (9, "Mild range (5-9)"),
    (10, "Moderate range (10-14)"),
    (14, "Moderate range (10-14)"),
    (15, "Moderately severe range (15-19)"),
    (19, "Moderately severe range (15-19)"),
    (20, "Severe range (20-27)"),
    (27, "Severe range (20-27)"),
]


@pytest.mark.parametrize("total, band", PHQ9_BANDS)
def test_phq9_band_edges(total, band):
    phq = get("phq-9")
    result = score(phq, answers_for(phq, total))
    assert result["total"] == total
    assert result["band"] == band
    assert (result["min"], result["max"]) == (0, 27)


def test_phq9_worked_example():
    # Kroenke et al. 2001: 0/1/2/3 per item, summed. 3+3+2+2+2+2+1+1+2 = 18.
    phq = get("phq-9")
    answers = dict(zip(phq.scoring["items"], [3, 3, 2, 2, 2, 2, 1, 1, 2], strict=True))
    result = score(phq, answers)
    assert result["total"] == 18
    assert result["band"] == "Moderately severe range (15-19)"


def test_phq9_item_9_flag_at_1_and_not_at_0():
    phq = get("phq-9")
    flag = "Item 9 answered above 0: review with the client"
    no_flag = score(phq, dict.fromkeys(phq.scoring["items"], 0))
    assert no_flag["flags"] == []
    for value in (1, 2, 3):
        answers = dict.fromkeys(phq.scoring["items"], 0) | {"q9": value}
        result = score(phq, answers)
        assert result["flags"] == [flag]
        assert result["total"] == value
        assert result["band"] == "Minimal range (0-4)"


def test_phq9_item_9_flag_shows_even_when_the_total_is_missing():
    result = score(get("phq-9"), {"q9": 1})
    assert result["total"] is None
    assert result["flags"] == ["Item 9 answered above 0: review with the client"]


def test_phq9_difficulty_question_is_not_scored():
    phq = get("phq-9")
    answers = answers_for(phq, 12) | {"difficulty": "extremely"}
    assert score(phq, answers)["total"] == 12
    assert score(phq, {"difficulty": "very"})["missing"] == phq.scoring["items"]


# --- GAD-7 -----------------------------------------------------------------------------------

GAD7_BANDS = [
    (0, "Minimal range (0-4)"),
    (4, "Minimal range (0-4)"),
    (5, "Mild range (5-9)"),
    (9, "Mild range (5-9)"),
    (10, "Moderate range (10-14)"),
    (14, "Moderate range (10-14)"),
    (15, "Severe range (15-21)"),
    (21, "Severe range (15-21)"),
]


@pytest.mark.parametrize("total, band", GAD7_BANDS)
def test_gad7_band_edges(total, band):
    gad = get("gad-7")
    result = score(gad, answers_for(gad, total))
    assert result["total"] == total
    assert result["band"] == band
    assert (result["min"], result["max"]) == (0, 21)
    assert result["flags"] == []


# --- WHO-5 -----------------------------------------------------------------------------------

WHO5_LOW = "28 or below: very low wellbeing range, further assessment advised"
WHO5_MID = "29 to 50: low wellbeing range, consider screening further"
WHO5_HIGH = "51 or above: above the screening cut-off"
WHO5_CUTOFF = "At or below the screening cut-off of 50"


@pytest.mark.parametrize(
    "raw, total, band, flagged",
    [
        (0, 0, WHO5_LOW, True),
        (7, 28, WHO5_LOW, True),
        (8, 32, WHO5_MID, True),
        (12, 48, WHO5_MID, True),
        (13, 52, WHO5_HIGH, False),
        (25, 100, WHO5_HIGH, False),
    ],
)
def test_who5_raw_score_times_four_and_band_edges(raw, total, band, flagged):
    who = get("who-5")
    result = score(who, answers_for(who, raw))
    assert result["raw_total"] == raw
    assert result["total"] == total
    assert result["band"] == band
    assert result["flags"] == ([WHO5_CUTOFF] if flagged else [])
    assert (result["min"], result["max"]) == (0, 100)


def test_who5_worked_example():
    # Topp et al. 2015: items 5 (all of the time) .. 0 (at no time); raw x 4.
    who = get("who-5")
    answers = {"q1": "3", "q2": "2", "q3": "4", "q4": "1", "q5": "3"}
    result = score(who, answers)
    assert result["raw_total"] == 13
    assert result["total"] == 52


# --- CSI-4 and CSI-16 ------------------------------------------------------------------------

CSI_FLAG = "Below the distressed-range cut-off"


@pytest.mark.parametrize(
    "slug, total, band, flagged",
    [
        ("csi-4", 0, "Distressed range (below 13.5)", True),
        ("csi-4", 13, "Distressed range (below 13.5)", True),
        ("csi-4", 14, "Above the distressed range (13.5 or more)", False),
        ("csi-4", 21, "Above the distressed range (13.5 or more)", False),
        ("csi-16", 0, "Distressed range (below 51.5)", True),
        ("csi-16", 51, "Distressed range (below 51.5)", True),
        ("csi-16", 52, "Above the distressed range (51.5 or more)", False),
        ("csi-16", 81, "Above the distressed range (51.5 or more)", False),
    ],
)
def test_csi_cut_off_edges(slug, total, band, flagged):
    definition = get(slug)
    result = score(definition, answers_for(definition, total))
    assert result["total"] == total
    assert result["band"] == band
    assert result["flags"] == ([CSI_FLAG] if flagged else [])


@pytest.mark.parametrize("slug, maximum", [("csi-4", 21), ("csi-16", 81)])
def test_csi_range(slug, maximum):
    result = score(get(slug), {})
    assert (result["min"], result["max"]) == (0, maximum)


# On the authors' form, item 2 and word pairs 11, 13, 14 and 16 are printed with their
# highest points first. The points are stored as printed, so nothing is reversed twice.
POSITIVE_POLES = {"INTERESTING", "GOOD", "FULL", "STURDY", "HOPEFUL", "ENJOYABLE"}
WORD_PAIRS = {
    "q11": ("INTERESTING", "BORING"),
    "q12": ("BAD", "GOOD"),
    "q13": ("FULL", "EMPTY"),
    "q14": ("STURDY", "FRAGILE"),
    "q15": ("DISCOURAGING", "HOPEFUL"),
    "q16": ("ENJOYABLE", "MISERABLE"),
}


def test_csi16_word_pairs_are_printed_as_published():
    csi = get("csi-16")
    for item_id, (left, right) in WORD_PAIRS.items():
        item = csi.item(item_id)
        assert item.prompt == f"{left} – {right}"
        assert item.options[0].label.endswith(f"({left})")
        assert item.options[-1].label.endswith(f"({right})")
        high = left if left in POSITIVE_POLES else right
        five = next(o for o in item.options if o.value == "5")
        assert five.label == f"5 ({high})"
        # printed order: left pole first, points falling or rising by one
        values = [int(o.value) for o in item.options]
        assert values in ([5, 4, 3, 2, 1, 0], [0, 1, 2, 3, 4, 5])


def test_csi16_reverse_printed_items_score_their_published_points():
    csi = get("csi-16")
    assert not any(item.reverse for item in csi.items)
    base = answers_for(csi, 0)
    cases = [
        ("q2", "All the time", 5),
        ("q2", "Never", 0),
        ("q11", "5 (INTERESTING)", 5),
        ("q11", "0 (BORING)", 0),
        ("q12", "0 (BAD)", 0),
        ("q12", "5 (GOOD)", 5),
        ("q15", "0 (DISCOURAGING)", 0),
        ("q16", "5 (ENJOYABLE)", 5),
    ]
    for item_id, label, points in cases:
        item = csi.item(item_id)
        value = next(o.value for o in item.options if o.label == label)
        assert score(csi, base | {item_id: value})["total"] == points, (item_id, label)


def test_csi16_most_and_least_satisfied_answers():
    csi = get("csi-16")
    best, worst = {}, {}
    for item in csi.items:
        if item.type == "likert":
            best[item.id], worst[item.id] = item.scale.max, item.scale.min
        else:
            best[item.id] = next(o.value for o in item.options if o.value == "5")
            worst[item.id] = next(o.value for o in item.options if o.value == "0")
    assert score(csi, best)["total"] == 81
    assert score(csi, worst)["total"] == 0
    assert score(csi, worst)["flags"] == [CSI_FLAG]


def test_csi16_worked_example():
    # Item 1 "Happy" (3); items 2-10 at 3 points; word pairs at 3 points: 3 + 9*3 + 6*3.
    csi = get("csi-16")
    answers = {item.id: answer(item, 3) for item in scored_items(csi)}
    result = score(csi, answers)
    assert result["total"] == 48
    assert result["band"] == "Distressed range (below 51.5)"


# --- Missing answers --------------------------------------------------------------------------


@pytest.mark.parametrize("slug", SCORED)
def test_a_missing_item_gives_no_total(slug):
    definition = get(slug)
    items = definition.scoring["items"]
    full = answers_for(definition, 0)
    for item_id in items:
        answers = {k: v for k, v in full.items() if k != item_id}
        result = score(definition, answers)
        assert result["total"] is None, item_id
        assert result["band"] is None
        assert result["missing"] == [item_id]
        assert result["answered"] == len(items) - 1


def test_no_prorating_raw_total_sums_only_what_was_answered():
    phq = get("phq-9")
    answers = dict.fromkeys([f"q{n}" for n in range(1, 9)], 3)
    result = score(phq, answers)
    assert result["total"] is None
    assert result["raw_total"] == 24
    assert result["missing"] == ["q9"]


# --- Bands and flags are well formed ---------------------------------------------------------


@pytest.mark.parametrize("slug", SCORED)
def test_bands_cover_every_possible_total_once(slug):
    definition = get(slug)
    result = score(definition, {})
    multiplier = definition.scoring.get("multiplier", 1)
    bands = definition.scoring["bands"]
    for raw in range(result["min"] // multiplier, result["max"] // multiplier + 1):
        total = raw * multiplier
        hits = [b for b in bands if b["min"] <= total <= b["max"]]
        assert len(hits) == 1, (slug, total)
    assert min(b["min"] for b in bands) == result["min"]
    assert max(b["max"] for b in bands) == result["max"]


@pytest.mark.parametrize("slug", SCORED)
def test_item_flags_name_scored_items(slug):
    definition = get(slug)
    for entry in definition.scoring.get("item_flags", []):
        assert entry["item"] in definition.scoring["items"]
        assert entry["label"].strip()


@pytest.mark.parametrize("slug", MEASURES)
def test_labels_are_neutral(slug):
    definition = get(slug)
    texts = [b["label"] for b in definition.scoring["bands"]]
    texts += [c["label"] for c in definition.scoring.get("cutoff", [])]
    for text in texts:
        lowered = text.lower()
        for word in ("depress", "anxiety disorder", "diagnos", "disorder"):
            assert word not in lowered, (slug, text)


# --- Safety screen ---------------------------------------------------------------------------

SAFETY_FLAGS = {
    "afraid": "Feels afraid of their partner",
    "threatened": "Reports being threatened by their partner",
    "hurt": "Reports being physically hurt by their partner",
    "controlled": "Reports controlling behaviour (money, phone or friends)",
    "pressured": "Reports sexual activity they did not want",
    "safe_to_talk": "Not sure or not safe to talk with their partner present",
}
NO_CONCERNS = "No concerns reported"
CONCERNS = "Concerns reported: review before joint work"
ALL_CLEAR = {
    "afraid": "0",
    "threatened": "0",
    "hurt": "0",
    "controlled": "0",
    "pressured": "0",
    "safe_to_talk": "0",
}


def test_safety_screen_shape():
    safety = get("safety-screen")
    assert safety.confidential is True
    assert safety.kind == "exercise" and safety.scorer == "sum"
    assert 5 <= len(safety.scoring["items"]) <= 7
    assert set(safety.scoring["items"]) == set(SAFETY_FLAGS)
    assert "only your therapist" in safety.intro.lower()
    assert "call your local emergency number" in safety.intro
    yes = [o for o in safety.item("afraid").options if o.label == "Yes"]
    assert [o.value for o in yes] == ["1"]
    no = [o for o in safety.item("safe_to_talk").options if o.label == "No"]
    assert [o.value for o in no] == ["2"]


def test_safety_screen_no_concerns():
    result = score(get("safety-screen"), ALL_CLEAR | {"tell_us": "Nothing else."})
    assert result["total"] == 0
    assert result["band"] == NO_CONCERNS
    assert result["flags"] == []


@pytest.mark.parametrize("item_id", ["afraid", "threatened", "hurt", "controlled", "pressured"])
def test_safety_screen_flags_any_yes(item_id):
    result = score(get("safety-screen"), ALL_CLEAR | {item_id: "1"})
    assert result["band"] == CONCERNS
    assert result["flags"] == [SAFETY_FLAGS[item_id]]


@pytest.mark.parametrize("value", ["1", "2"])
def test_safety_screen_flags_not_sure_or_not_safe_to_talk(value):
    result = score(get("safety-screen"), ALL_CLEAR | {"safe_to_talk": value})
    assert result["band"] == CONCERNS
    assert result["flags"] == [SAFETY_FLAGS["safe_to_talk"]]


def test_safety_screen_flags_every_positive_answer_even_when_incomplete():
    answers = {"hurt": "1", "safe_to_talk": "2"}
    result = score(get("safety-screen"), answers)
    assert result["total"] is None
    assert result["flags"] == [SAFETY_FLAGS["hurt"], SAFETY_FLAGS["safe_to_talk"]]


def test_safety_screen_everything_positive():
    answers = dict.fromkeys(ALL_CLEAR, "1") | {"safe_to_talk": "2"}
    result = score(get("safety-screen"), answers)
    assert result["total"] == result["max"] == 7
    assert result["band"] == CONCERNS
    assert result["flags"] == list(SAFETY_FLAGS.values())


# --- Intake --------------------------------------------------------------------------------


def test_intake_questionnaire_shape():
    intake = get("intake-questionnaire")
    assert intake.scorer is None
    assert intake.confidential is False
    assert 4 <= len(intake.sections) <= 5
    ids = {item.id for item in intake.items}
    assert {
        "preferred_name",
        "phone",
        "emergency_name",
        "emergency_phone",
        "together_for",
        "living_together",
        "children",
        "separations",
        "what_brings",
        "hope_to_change",
        "better",
        "previous_therapy",
        "previous_therapy_details",
        "stressors",
        "stressors_other",
        "health_conditions",
        "medication",
    } <= ids
    assert intake.item("what_brings").type == "long_text"
    assert intake.item("stressors").type == "multiple_choice"
    assert "other" in {o.value for o in intake.item("stressors").options}
    assert intake.item("previous_therapy").type == "single_choice"
    health = next(s for s in intake.sections if s.id == "health")
    assert not any(item.required for item in health.items)
