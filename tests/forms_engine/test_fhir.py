"""FHIR R4 export: every definition is a valid Questionnaire, responses are valid
QuestionnaireResponses that match it, and nothing but ids and answers leaves the app."""

import dataclasses
import json
import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from clinic import PROJECT_ROOT
from clinic.forms_engine.definitions import load_definitions, read_definition
from clinic.forms_engine.fhir import (
    ITEM_TYPES,
    pascal_name,
    questionnaire_resource,
    questionnaire_response_resource,
)
from clinic.forms_engine.scorers import LANGUAGES, SCORERS

PROBLEMS: list = []
LIBRARY = load_definitions(PROJECT_ROOT / "handouts", PROBLEMS)
MEASURES = sorted(slug for slug, d in LIBRARY.items() if d.scorer == "sum")
# Value sets from FHIR R4 (4.0.1).
R4_ITEM_TYPES = {
    "group", "display", "boolean", "decimal", "integer", "date", "dateTime", "time",
    "string", "text", "url", "choice", "open-choice", "attachment", "reference", "quantity",
}  # fmt: skip
WHEN = datetime(2024, 11, 22, 18, 30, tzinfo=UTC)
HOSTILE = [
    "<script>alert(1)</script>",
    "{{7*7}} {% raw %} ${jndi:x}",
    "Robert'); DROP TABLE responses;--",
    '"quoted" & <b>bold</b>\nsecond line\twith a tab\u00a0and a non-breaking space',
]


def walk(items, parent=None):
    """(item, parent linkId) for every item in a tree, depth first."""
    for item in items or []:
        yield item, parent
        yield from walk(item.get("item"), item["linkId"])


def keys_anywhere(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_anywhere(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_anywhere(v)}
    return set()


def respond(slug, answers, **kwargs):
    options = {
        "response_id": 42,
        "subject_ref": "Patient/partner-12",
        "authored": WHEN,
        "status": "completed",
    }
    return questionnaire_response_resource(LIBRARY[slug], answers, **{**options, **kwargs})


def validated(resource: dict, model) -> dict:
    """Validate with the fhir.resources model and check nothing was dropped or changed."""
    text = json.dumps(resource)  # plain, JSON-serialisable values only
    parsed = model.model_validate(json.loads(text))
    assert json.loads(parsed.model_dump_json(exclude_none=True)) == resource
    return resource


def realistic_answers(definition) -> dict:
    """A full set of plausible answers for any definition."""
    answers = {}
    for index, item in enumerate(definition.items):
        if item.type == "short_text":
            answers[item.id] = f"A short answer {index}"
        elif item.type == "long_text":
            answers[item.id] = f"A longer answer {index}.\nIt has a second line."
        elif item.type in ("single_choice", "forced_choice"):
            answers[item.id] = item.options[index % len(item.options)].value
        elif item.type == "multiple_choice":
            answers[item.id] = [o.value for o in item.options[::2]]
        elif item.type == "ranking":
            answers[item.id] = [o.value for o in reversed(item.options)]
        elif item.type == "likert":
            answers[item.id] = item.scale.points[index % len(item.scale.points)]
        elif item.type == "date":
            answers[item.id] = (date(2024, 12, 1) + timedelta(days=index)).isoformat()
        elif item.type == "repeating_list":
            answers[item.id] = [f"Row {n}" for n in range(max(item.min_rows, 2))][: item.max_rows]
    return answers


def check_matches_questionnaire(response: dict, questionnaire: dict) -> None:
    """Every linkId exists, sits under the same group, and has answers of the right kind."""
    questions = {item["linkId"]: (item, parent) for item, parent in walk(questionnaire["item"])}
    assert response["questionnaire"] == f"{questionnaire['url']}|{questionnaire['version']}"
    for item, parent in walk(response.get("item")):
        assert item["linkId"] in questions, item["linkId"]
        question, question_parent = questions[item["linkId"]]
        assert parent == question_parent
        assert not ("answer" in item and "item" in item)  # qrs-1
        if question["type"] == "group":
            assert item["item"] and "answer" not in item
            continue
        answers = item["answer"]
        assert answers
        if not question.get("repeats"):
            assert len(answers) == 1
        for answer in answers:
            (key,) = answer
            expected = {
                "choice": "valueCoding", "string": "valueString", "text": "valueString",
                "date": "valueDate",
            }[question["type"]]  # fmt: skip
            assert key == expected
            if key == "valueCoding":
                options = [option["valueCoding"] for option in question["answerOption"]]
                assert answer["valueCoding"] in options


# --- Questionnaire ----------------------------------------------------------------------


def test_library_loads():
    assert not PROBLEMS
    assert {"love-language-discovery", "trust-reflection"} <= set(LIBRARY)


def test_every_item_type_has_a_mapping():
    from clinic.forms_engine.definitions import ITEM_TYPES as ENGINE_TYPES

    assert set(ITEM_TYPES) == set(ENGINE_TYPES)


@pytest.mark.parametrize("slug", sorted(LIBRARY))
def test_every_definition_is_a_valid_r4_questionnaire(slug):
    definition = LIBRARY[slug]
    resource = validated(questionnaire_resource(definition), Questionnaire)
    assert resource["resourceType"] == "Questionnaire"
    assert resource["status"] == "active"
    assert resource["url"] == f"urn:clinic:questionnaire:{slug}"
    assert resource["version"] == str(definition.version)
    assert resource["title"] == definition.title
    assert re.fullmatch(r"[A-Z][A-Za-z0-9_]{0,254}", resource["name"])  # que-0

    link_ids = [item["linkId"] for item, _ in walk(resource["item"])]
    assert len(link_ids) == len(set(link_ids))  # que-2
    groups = resource["item"]
    assert [g["text"] for g in groups] == [s.title for s in definition.sections]
    for group, section in zip(groups, definition.sections, strict=True):
        assert group["type"] == "group" and group["linkId"] == section.id
        questions = [i for i in group["item"] if i["type"] != "display"]
        assert [q["linkId"] for q in questions] == [i.id for i in section.items]
    for item, _parent in walk(groups):
        assert item["type"] in R4_ITEM_TYPES
        if item["type"] == "group":
            assert item["item"]  # que-1
        if item["type"] == "display":
            assert "item" not in item and "required" not in item and "repeats" not in item
        if "answerOption" in item:
            assert item["type"] == "choice"  # que-5
            codes = [o["valueCoding"]["code"] for o in item["answerOption"]]
            assert len(codes) == len(set(codes)) and all(re.fullmatch(r"\S+", c) for c in codes)
        if "maxLength" in item:
            assert item["type"] in ("string", "text")  # que-10
    for engine_item in definition.items:
        fhir_item = next(i for i, _ in walk(groups) if i["linkId"] == engine_item.id)
        assert fhir_item["required"] is engine_item.required
        assert fhir_item["text"] == engine_item.prompt


def test_item_types_map_as_documented():
    resource = questionnaire_resource(LIBRARY["trust-reflection"])
    items = {item["linkId"]: item for item, _ in walk(resource["item"])}
    rely = items["rely"]
    assert rely["type"] == "choice"
    assert [o["valueCoding"]["code"] for o in rely["answerOption"]] == ["0", "1", "2", "3", "4"]
    assert rely["answerOption"][0]["valueCoding"] == {
        "system": "urn:clinic:options:trust-reflection:rely",
        "code": "0",
        "display": "Strongly disagree",
    }
    assert items["showed_up"]["type"] == "text"
    assert items["builds_trust"]["type"] == "choice" and items["builds_trust"]["repeats"] is True
    assert items["my_promises"]["type"] == "string" and items["my_promises"]["repeats"] is True
    assert items["my_promises"]["maxLength"] == 300
    assert {"url": "http://hl7.org/fhir/StructureDefinition/questionnaire-maxOccurs",
            "valueInteger": 5} in items["my_promises"]["extension"]  # fmt: skip
    assert items["check_in"]["type"] == "date" and items["check_in"]["required"] is False
    assert items["gets_in_way"]["required"] is False
    help_item = items["my_promises.help"]
    assert help_item["type"] == "display" and "running late" in help_item["text"]

    love = questionnaire_resource(LIBRARY["love-language-discovery"])
    love_items = {item["linkId"]: item for item, _ in walk(love["item"])}
    assert love_items["pair_01"]["type"] == "choice" and "repeats" not in love_items["pair_01"]
    assert len(love_items["pair_01"]["answerOption"]) == 2
    predict = love_items["predict_partner"]
    assert predict["type"] == "choice" and predict["repeats"] is True
    assert [o["valueCoding"]["code"] for o in predict["answerOption"]] == list(LANGUAGES)


def test_likert_points_without_anchor_show_the_number(tmp_path):
    definition = make_definition(
        tmp_path,
        """
      - id: how_much
        type: likert
        scale: {min: 1, max: 5, anchors: {1: Not at all, 5: Very much}}
        prompt: How much?
""",
    )
    resource = validated(questionnaire_resource(definition), Questionnaire)
    options = resource["item"][0]["item"][0]["answerOption"]
    assert [o["valueCoding"]["display"] for o in options] == [
        "Not at all", "2", "3", "4", "Very much",
    ]  # fmt: skip


@pytest.mark.parametrize("slug", sorted(LIBRARY))
def test_no_answer_values_leak_into_the_questionnaire(slug):
    definition = LIBRARY[slug]
    resource = questionnaire_resource(definition)
    assert not keys_anywhere(resource) & {"answer", "initial", "initialSelected", "enableWhen"}
    answers = realistic_answers(definition)
    for item in definition.items:
        if item.type in ("short_text", "long_text"):
            answers[item.id] = "SECRET-ANSWER-7f3a"
    # Building a response never changes the questionnaire.
    respond(slug, answers)
    again = json.dumps(questionnaire_resource(definition))
    assert again == json.dumps(resource)
    assert "SECRET-ANSWER-7f3a" not in again


def test_pascal_name():
    assert pascal_name("love-language-discovery") == "LoveLanguageDiscovery"
    assert pascal_name("phq-9") == "Phq9"
    assert pascal_name("csi-16") == "Csi16"
    assert pascal_name("5-things") == "Questionnaire5Things"


def make_definition(tmp_path, items_yaml, extra="", section_id="main"):
    path = tmp_path / "exercises" / "sample-form.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(
        "kind: exercise\nslug: sample-form\ntitle: Sample form\nsummary: A sample.\n"
        f"layer: trust\nversion: 3\n{extra}sections:\n  - id: {section_id}\n"
        f"    title: Main\n    items:{items_yaml}",
        encoding="utf-8",
    )
    problems: list = []
    definition = read_definition(path, "exercises/sample-form.yaml", problems, set(SCORERS))
    assert not problems, problems
    return definition


def test_a_section_id_that_clashes_with_an_item_id_stays_unique(tmp_path):
    definition = make_definition(
        tmp_path,
        """
      - id: main
        type: short_text
        prompt: Same id as the section
""",
    )
    questionnaire = validated(questionnaire_resource(definition), Questionnaire)
    link_ids = [item["linkId"] for item, _ in walk(questionnaire["item"])]
    assert link_ids == ["main.group", "main"]
    response = questionnaire_response_resource(
        definition, {"main": "x"}, response_id=1, subject_ref="Patient/p-1",
        authored=WHEN, status="completed",
    )  # fmt: skip
    check_matches_questionnaire(validated(response, QuestionnaireResponse), questionnaire)


# --- QuestionnaireResponse --------------------------------------------------------------


def test_love_language_discovery_response():
    definition = LIBRARY["love-language-discovery"]
    pairs = [item for item in definition.items if item.type == "forced_choice"]
    assert len(pairs) == 30
    answers = {item.id: item.options[n % 2].value for n, item in enumerate(pairs)}
    answers["predict_partner"] = ["touch", "words", "service", "time", "gifts"]
    resource = validated(respond("love-language-discovery", answers), QuestionnaireResponse)
    check_matches_questionnaire(resource, questionnaire_resource(definition))

    items = {item["linkId"]: item for item, _ in walk(resource["item"])}
    assert sum(1 for link_id in items if link_id.startswith("pair_")) == 30
    assert items["pair_01"]["answer"] == [
        {
            "valueCoding": {
                "system": "urn:clinic:options:love-language-discovery:pair_01",
                "code": pairs[0].options[0].value,
                "display": pairs[0].options[0].label,
            }
        }
    ]
    ranking = [a["valueCoding"]["code"] for a in items["predict_partner"]["answer"]]
    assert ranking == ["touch", "words", "service", "time", "gifts"]  # rank order kept


def test_trust_reflection_response():
    answers = {
        "rely": 3,
        "open_up": 0,
        "reliable_me": 4,
        "showed_up": "She picked me up from the station in the rain.",
        "builds_trust": ["steady", "honesty", "steady"],
        "would_help": "Texting when plans change.",
        "my_promises": ["I will text if I am late.", "", "I will ask before I decide."],
        "check_in": "2024-12-06",
    }
    resource = validated(respond("trust-reflection", answers), QuestionnaireResponse)
    check_matches_questionnaire(resource, questionnaire_resource(LIBRARY["trust-reflection"]))
    assert resource["resourceType"] == "QuestionnaireResponse"
    assert resource["id"] == "42"
    assert resource["questionnaire"] == "urn:clinic:questionnaire:trust-reflection|1"
    assert resource["subject"] == {"reference": "Patient/partner-12"}
    assert resource["authored"] == "2024-11-22T18:30:00Z"
    assert [g["linkId"] for g in resource["item"]] == ["right_now", "moments", "building"]
    items = {item["linkId"]: item for item, _ in walk(resource["item"])}
    assert items["rely"]["answer"][0]["valueCoding"]["code"] == "3"
    assert items["rely"]["answer"][0]["valueCoding"]["display"] == "Agree"
    assert [a["valueCoding"]["code"] for a in items["builds_trust"]["answer"]] == [
        "steady", "honesty",
    ]  # fmt: skip
    assert items["my_promises"]["answer"] == [
        {"valueString": "I will text if I am late."},
        {"valueString": "I will ask before I decide."},
    ]
    assert items["check_in"]["answer"] == [{"valueDate": "2024-12-06"}]
    assert "gets_in_way" not in items  # unanswered questions are left out


@pytest.mark.parametrize("slug", MEASURES or ["phq-9"])
def test_measure_response(slug):
    if slug not in LIBRARY:
        pytest.skip(f"{slug} is not in the library yet")
    definition = LIBRARY[slug]
    answers = realistic_answers(definition)
    resource = validated(respond(slug, answers), QuestionnaireResponse)
    check_matches_questionnaire(resource, questionnaire_resource(definition))
    answered = {item["linkId"] for item, _ in walk(resource["item"]) if "answer" in item}
    assert answered == {item.id for item in definition.items}


@pytest.mark.parametrize("slug", sorted(LIBRARY))
def test_every_definition_gives_a_valid_response(slug):
    definition = LIBRARY[slug]
    for status in ("completed", "in-progress"):
        resource = validated(
            respond(slug, realistic_answers(definition), status=status), QuestionnaireResponse
        )
        assert resource["status"] == status
        check_matches_questionnaire(resource, questionnaire_resource(definition))


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_stays_a_plain_string(text):
    answers = {"showed_up": text, "my_promises": [text, "ok"]}
    resource = validated(respond("trust-reflection", answers), QuestionnaireResponse)
    items = {item["linkId"]: item for item, _ in walk(resource["item"])}
    assert items["showed_up"]["answer"] == [{"valueString": text}]
    assert items["my_promises"]["answer"][0] == {"valueString": text}
    assert json.loads(json.dumps(resource)) == resource


def test_control_characters_are_removed_and_empty_text_left_out():
    answers = {"showed_up": "bell\x07 and nul\x00 gone\r\n", "would_help": "   \n"}
    resource = validated(respond("trust-reflection", answers), QuestionnaireResponse)
    items = {item["linkId"]: item for item, _ in walk(resource["item"])}
    assert items["showed_up"]["answer"] == [{"valueString": "bell and nul gone\r\n"}]
    assert "would_help" not in items


def test_invalid_answers_are_left_out():
    answers = {
        "rely": 9,  # off the scale
        "open_up": True,  # not a number
        "reliable_me": "2",  # a number as text is still the point 2
        "builds_trust": ["honesty", "bribes", 3, None],
        "showed_up": {"not": "text"},
        "my_promises": "one row as plain text",
        "check_in": "2024-02-30",
        "unknown_item": "ignored",
    }
    resource = validated(respond("trust-reflection", answers), QuestionnaireResponse)
    items = {item["linkId"]: item for item, _ in walk(resource["item"])}
    assert "rely" not in items and "open_up" not in items and "showed_up" not in items
    assert "check_in" not in items and "unknown_item" not in items
    assert items["reliable_me"]["answer"][0]["valueCoding"]["code"] == "2"
    assert [a["valueCoding"]["code"] for a in items["builds_trust"]["answer"]] == ["honesty"]
    assert items["my_promises"]["answer"] == [{"valueString": "one row as plain text"}]


def test_no_answers_gives_a_response_without_items():
    resource = validated(
        respond("trust-reflection", {}, status="in-progress"), QuestionnaireResponse
    )
    assert "item" not in resource and resource["status"] == "in-progress"


def test_ids_only_no_names_or_email():
    resource = respond("trust-reflection", realistic_answers(LIBRARY["trust-reflection"]))
    assert set(resource) <= {
        "resourceType", "id", "meta", "questionnaire", "status", "subject", "authored", "item",
    }  # fmt: skip
    assert resource["subject"] == {"reference": "Patient/partner-12"}
    assert "@" not in json.dumps(resource)
    assert not keys_anywhere(resource) & {"author", "source", "name", "telecom", "contained"}
    for bad in ("sam@example.com", "Sam Smith", "Patient/", "partner-12", "Patient/a b", ""):
        with pytest.raises(ValueError):
            respond("trust-reflection", {}, subject_ref=bad)


def test_arguments_are_checked():
    with pytest.raises(ValueError):
        respond("trust-reflection", {}, status="amended")
    with pytest.raises(ValueError):
        respond("trust-reflection", {}, response_id="12")
    with pytest.raises(ValueError):
        respond("trust-reflection", {}, response_id=True)


def test_authored_times():
    naive = respond("trust-reflection", {}, authored=datetime(2024, 11, 22, 9, 5, 7))
    assert naive["authored"] == "2024-11-22T09:05:07Z"
    offset = respond(
        "trust-reflection",
        {},
        authored=datetime(2024, 11, 22, 9, 5, tzinfo=timezone(timedelta(hours=1))),
    )
    assert offset["authored"] == "2024-11-22T09:05:00+01:00"
    validated(offset, QuestionnaireResponse)


def test_confidential_responses_are_labelled_restricted():
    definition = dataclasses.replace(LIBRARY["trust-reflection"], confidential=True)
    resource = questionnaire_response_resource(
        definition, {"rely": 1}, response_id=7, subject_ref="Patient/partner-3",
        authored=WHEN, status="completed",
    )  # fmt: skip
    validated(resource, QuestionnaireResponse)
    assert resource["meta"]["security"] == [
        {
            "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
            "code": "R",
            "display": "restricted",
        }
    ]
    assert "meta" not in respond("trust-reflection", {"rely": 1})
