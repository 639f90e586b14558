"""Definitions and responses exported as FHIR R4 JSON (plain, JSON-serialisable dicts).

``questionnaire_resource`` turns a definition into a ``Questionnaire``;
``questionnaire_response_resource`` turns one partner's answers into a
``QuestionnaireResponse`` that points at it by canonical URL and version
(``urn:clinic:questionnaire:<slug>|<version>``).

FHIR version. The resources follow FHIR R4 (4.0.1). The tests validate them with the
``fhir.resources`` package (8.x, pydantic v2), which ships FHIR R5 as its default models,
``fhir.resources.R4B`` (FHIR 4.3.0) and ``fhir.resources.STU3``, but no plain R4 models.
R4B is the R4-compatible release and left Questionnaire and QuestionnaireResponse as they
were in R4, so ``fhir.resources.R4B.questionnaire.Questionnaire`` and
``fhir.resources.R4B.questionnaireresponse.QuestionnaireResponse`` are the models used. R5
is not: it renamed item types (``coding``, ``question``) and reworked answer options.

Mapping of item types (Questionnaire.item.type):

==================  ============================================================
``short_text``      ``string`` (``maxLength``)
``long_text``       ``text`` (``maxLength``)
``single_choice``   ``choice``, one ``answerOption`` ``valueCoding`` per option
``forced_choice``   ``choice``, the two options as codings
``multiple_choice`` ``choice`` with ``repeats: true``
``ranking``         ``choice`` with ``repeats: true``; the response lists the answers
                    in rank order, first = ranked highest
``likert``          ``choice``; codings with codes ``"0"``..``"4"`` (the scale points as
                    given, before any reverse keying), display = the anchor or the number
``date``            ``date``
``repeating_list``  ``string`` with ``repeats: true`` (``maxLength``, ``maxOccurs``, and
                    ``minOccurs`` when more than one row is asked for)
==================  ============================================================

Option codings use the system ``urn:clinic:options:<slug>:<item id>`` with the option
value as code and its label as display. Each section becomes a ``group`` whose linkId is
the section id (``<section id>.group`` in the unlikely case that an item has the same id);
a section's intro and an item's help text become ``display`` items (linkIds
``<section id>.intro`` and ``<item id>.help``: ids never contain a dot, so these never
clash with an item id).

Privacy. The subject is a reference string chosen by the caller (``Patient/partner-12``);
the resources carry ids only: no name, no e-mail, no free text but the client's own
answers. A confidential definition's response (safety screening) is labelled restricted
(``meta.security``, v3 Confidentiality ``R``); who may receive the export is the caller's
decision (privacy rules 3 to 5). Answers that are not valid for their item (an unknown
option, a point off the scale, a malformed date, a value of the wrong type) are left out,
as the scorers leave them out; text is kept as typed, except control characters FHIR
strings should not contain.
"""

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from clinic.forms_engine.definitions import Definition, Item

QUESTIONNAIRE_URL = "urn:clinic:questionnaire:{slug}"
OPTION_SYSTEM = "urn:clinic:options:{slug}:{item}"
ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"
MIN_OCCURS = "http://hl7.org/fhir/StructureDefinition/questionnaire-minOccurs"
MAX_OCCURS = "http://hl7.org/fhir/StructureDefinition/questionnaire-maxOccurs"
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
STATUSES = ("completed", "in-progress")

# item type -> (FHIR R4 item type, repeats)
ITEM_TYPES: dict[str, tuple[str, bool]] = {
    "short_text": ("string", False),
    "long_text": ("text", False),
    "single_choice": ("choice", False),
    "forced_choice": ("choice", False),
    "multiple_choice": ("choice", True),
    "ranking": ("choice", True),
    "likert": ("choice", False),
    "date": ("date", False),
    "repeating_list": ("string", True),
}

# Relative literal reference: ResourceType/id, with FHIR's id syntax.
_REFERENCE = re.compile(r"^[A-Z][A-Za-z]{1,63}/[A-Za-z0-9\-.]{1,64}$")
# C0 controls other than tab, line feed and carriage return; lone surrogates.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --- Questionnaire ----------------------------------------------------------------------


def canonical_url(definition: Definition) -> str:
    return QUESTIONNAIRE_URL.format(slug=definition.slug)


def pascal_name(slug: str) -> str:
    """``love-language-discovery`` -> ``LoveLanguageDiscovery``; ``phq-9`` -> ``Phq9``.

    FHIR wants a name that starts with a capital letter, so a slug starting with a digit
    gets ``Questionnaire`` in front."""
    name = "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", slug))
    return name if name[:1].isalpha() else f"Questionnaire{name}"


def _system(definition: Definition, item: Item) -> str:
    return OPTION_SYSTEM.format(slug=definition.slug, item=item.id)


def _coding(definition: Definition, item: Item, code: str, display: str) -> dict:
    return {"system": _system(definition, item), "code": code, "display": display}


def _choices(definition: Definition, item: Item) -> list[tuple[str, str]]:
    """(code, display) for each answer an item offers."""
    if item.type == "likert":
        if item.scale is None:
            return []
        return [
            (str(point), item.scale.anchors.get(point, str(point))) for point in item.scale.points
        ]
    return [(option.value, option.label) for option in item.options]


def _group_ids(definition: Definition) -> dict[str, str]:
    item_ids = {item.id for item in definition.items}
    return {
        section.id: f"{section.id}.group" if section.id in item_ids else section.id
        for section in definition.sections
    }


def _display(link_id: str, text: str, control: str | None = None) -> dict:
    item: dict[str, Any] = {"linkId": link_id, "text": text, "type": "display"}
    if control:
        item["extension"] = [
            {
                "url": ITEM_CONTROL,
                "valueCodeableConcept": {
                    "coding": [{"system": ITEM_CONTROL_SYSTEM, "code": control}]
                },
            }
        ]
    return item


def _question(definition: Definition, item: Item) -> dict:
    fhir_type, repeats = ITEM_TYPES[item.type]
    question: dict[str, Any] = {
        "linkId": item.id,
        "text": item.prompt,
        "type": fhir_type,
        "required": item.required,
    }
    if repeats:
        question["repeats"] = True
    if fhir_type in ("string", "text"):
        question["maxLength"] = item.max_length
    if fhir_type == "choice":
        question["answerOption"] = [
            {"valueCoding": _coding(definition, item, code, display)}
            for code, display in _choices(definition, item)
        ]
    if item.type == "repeating_list":
        extensions = []
        if item.min_rows > 1:
            extensions.append({"url": MIN_OCCURS, "valueInteger": item.min_rows})
        extensions.append({"url": MAX_OCCURS, "valueInteger": item.max_rows})
        question["extension"] = extensions
    if item.help:
        question["item"] = [_display(f"{item.id}.help", item.help, control="help")]
    return question


def questionnaire_resource(definition: Definition) -> dict:
    """The definition as a FHIR R4 Questionnaire (no answers, no client data)."""
    groups = []
    group_ids = _group_ids(definition)
    for section in definition.sections:
        children = []
        if section.intro.strip():
            children.append(_display(f"{section.id}.intro", section.intro.strip()))
        children += [_question(definition, item) for item in section.items]
        groups.append(
            {
                "linkId": group_ids[section.id],
                "text": section.title,
                "type": "group",
                "required": any(item.required for item in section.items),
                "item": children,
            }
        )
    description = definition.summary
    if definition.notice.strip():
        description += "\n\n" + definition.notice.strip()
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": definition.slug,
        "url": canonical_url(definition),
        "version": str(definition.version),
        "name": pascal_name(definition.slug),
        "title": definition.title,
        "status": "active",
        "subjectType": ["Patient"],
        "description": description,
    }
    if definition.licence.strip():
        resource["copyright"] = definition.licence.strip()
    resource["item"] = groups
    return resource


# --- QuestionnaireResponse --------------------------------------------------------------


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = _CONTROL.sub("", str(value))
    return text if text.strip() else None


def _strings(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    return [] if value is None else [value]


def _date(value: Any) -> str | None:
    if isinstance(value, datetime):
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and _DATE.match(value.strip()):
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            return None
    return None


def _likert_point(item: Item, value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d{1,3}", value.strip()):
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or item.scale is None:
        return None
    return value if item.scale.min <= value <= item.scale.max else None


def _answers(definition: Definition, item: Item, value: Any) -> list[dict]:
    """The FHIR ``answer`` entries for one stored answer; [] when nothing valid is left."""
    kind = item.type
    if kind in ("short_text", "long_text"):
        text = _text(value)
        return [{"valueString": text}] if text is not None else []
    if kind == "repeating_list":
        rows = (_text(row) for row in _strings(value))
        return [{"valueString": row} for row in rows if row is not None]
    if kind == "date":
        day = _date(value)
        return [{"valueDate": day}] if day else []
    labels = dict(_choices(definition, item))
    if kind == "likert":
        point = _likert_point(item, value)
        if point is None:
            return []
        code = str(point)
        return [{"valueCoding": _coding(definition, item, code, labels[code])}]
    if kind in ("single_choice", "forced_choice"):
        chosen = [value] if isinstance(value, str) else []
    else:  # multiple_choice, ranking: in the order given, each once
        chosen = [v for v in _strings(value) if isinstance(v, str)]
    codes = [code for code in dict.fromkeys(chosen) if code in labels]
    return [{"valueCoding": _coding(definition, item, code, labels[code])} for code in codes]


def _authored(authored: datetime | date) -> str:
    if isinstance(authored, datetime):
        if authored.tzinfo is None:  # the app stores UTC without a zone
            authored = authored.replace(tzinfo=UTC)
        text = authored.isoformat(timespec="seconds")
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(authored, date):
        return authored.isoformat()
    raise ValueError("authored must be a datetime")


def questionnaire_response_resource(
    definition: Definition,
    answers: dict,
    *,
    response_id: int,
    subject_ref: str,
    authored: datetime,
    status: str,
) -> dict:
    """One partner's answers as a FHIR R4 QuestionnaireResponse.

    ``subject_ref`` is a relative reference such as ``Patient/partner-12``; anything else
    (a name, an e-mail address) is refused with ValueError, as is a status other than
    ``completed`` or ``in-progress``. A naive ``authored`` is taken as UTC. The item tree
    mirrors the Questionnaire's groups; unanswered questions and empty groups are left
    out; repeated answers (multiple choice, ranking, list rows) are several ``answer``
    entries, a ranking's in rank order.
    """
    if status not in STATUSES:
        raise ValueError(f"status must be one of: {', '.join(STATUSES)}")
    if isinstance(response_id, bool) or not isinstance(response_id, int) or response_id < 0:
        raise ValueError("response_id must be a whole number")
    if not isinstance(subject_ref, str) or not _REFERENCE.match(subject_ref):
        raise ValueError("subject_ref must be a reference such as Patient/partner-12")
    answers = answers if isinstance(answers, Mapping) else {}

    groups = []
    group_ids = _group_ids(definition)
    for section in definition.sections:
        children = []
        for item in section.items:
            entries = _answers(definition, item, answers.get(item.id))
            if entries:
                children.append({"linkId": item.id, "text": item.prompt, "answer": entries})
        if children:
            groups.append(
                {"linkId": group_ids[section.id], "text": section.title, "item": children}
            )

    resource: dict[str, Any] = {"resourceType": "QuestionnaireResponse", "id": str(response_id)}
    if definition.confidential:
        resource["meta"] = {
            "security": [{"system": CONFIDENTIALITY, "code": "R", "display": "restricted"}]
        }
    resource.update(
        {
            "questionnaire": f"{canonical_url(definition)}|{definition.version}",
            "status": status,
            "subject": {"reference": subject_ref},
            "authored": _authored(authored),
        }
    )
    if groups:
        resource["item"] = groups
    return resource


__all__ = [
    "canonical_url",
    "pascal_name",
    "questionnaire_resource",
    "questionnaire_response_resource",
]
