"""The handout library: files loaded at start-up plus each therapist's own handouts."""

from flask import current_app
from sqlalchemy import select

from clinic.extensions import db
from clinic.library.content import Handout, Library, plain_text, render_markdown
from clinic.library.models import CustomHandout


def current_library() -> Library:
    return current_app.extensions["clinic.library"]


def own_handouts(therapist) -> list[CustomHandout]:
    return list(
        db.session.execute(
            select(CustomHandout)
            .where(CustomHandout.therapist_id == therapist.id)
            .order_by(CustomHandout.title, CustomHandout.id)
        ).scalars()
    )


def handout_from_custom(custom: CustomHandout) -> Handout:
    """The same shape as a file handout, rendered and sanitised the same way."""
    return Handout(
        slug=f"own-{custom.id}",
        title=custom.title,
        summary=custom.summary,
        layer=custom.layer,
        tags=(),
        reading_minutes=max(1, round(len(custom.body.split()) / 200)),
        version=custom.version,
        further_reading=(),
        body=custom.body,
        html=render_markdown(custom.body),
        text=plain_text(custom.body),
        is_own=True,
    )


def create_custom_handout(therapist, data: dict) -> CustomHandout:
    custom = CustomHandout(therapist_id=therapist.id, version=1, **data)
    db.session.add(custom)
    db.session.flush()
    return custom


def update_custom_handout(custom: CustomHandout, data: dict) -> None:
    for key, value in data.items():
        setattr(custom, key, value)
    custom.version += 1
    db.session.flush()
