from collections import Counter

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from clinic.audit.services import record_event
from clinic.couples.access import get_custom_handout_or_404
from clinic.extensions import db
from clinic.library import services
from clinic.library.content import LAYERS
from clinic.library.forms import CustomHandoutForm, LibraryFilterForm
from clinic.library.house import house_map
from clinic.security import roles_required

bp = Blueprint("library", __name__, url_prefix="/library")


@bp.get("")
@roles_required("therapist")
def index():
    library = services.current_library()
    filters = LibraryFilterForm(request.args)
    if not filters.validate():
        filters = LibraryFilterForm(formdata=None)
    q, layer, tag = filters.q.data or "", filters.layer.data or "", filters.tag.data or ""
    handouts = library.search(q, layer, tag)
    exercises = [
        d
        for d in library.ordered_exercises()
        if (not layer or d.layer == layer)
        and not tag
        and (not q or q.casefold() in f"{d.title} {d.summary}".casefold())
    ]
    own = [
        (custom, services.handout_from_custom(custom))
        for custom in services.own_handouts(current_user)
    ]
    own = [
        (c, h)
        for c, h in own
        if (not layer or h.layer == layer) and not tag and (not q or h.matches(q))
    ]
    counts = Counter(h.layer for h in library.handouts.values())
    house = house_map(counts, lambda name: url_for("library.index", layer=name))
    return render_template(
        "library/index.html",
        handouts=handouts,
        exercises=exercises,
        own=own,
        filters=filters,
        layers=LAYERS,
        tags=library.tags(),
        house=house,
        filtered=bool(q or layer or tag),
    )


def found_or_404(item):
    """A handout or exercise from the library; 404 for a slug it does not hold."""
    if item is None:
        abort(404)
    return item


@bp.get("/<slug>")
@roles_required("therapist")
def preview(slug):
    handout = found_or_404(services.current_library().get(slug))
    return render_template("library/preview.html", handout=handout, custom=None)


@bp.route("/own/new", methods=["GET", "POST"])
@roles_required("therapist")
def new_own():
    form = CustomHandoutForm()
    if form.validate_on_submit():
        custom = services.create_custom_handout(current_user, form.data_for_model())
        record_event("own_handout_created", actor=current_user, target=custom)
        db.session.commit()
        flash("Your handout is saved. Only you can see it until you assign it.", "info")
        return redirect(url_for("library.own", handout_id=custom.id), code=303)
    return render_template("library/own_form.html", form=form, custom=None)


@bp.get("/own/<int:handout_id>")
@roles_required("therapist")
def own(handout_id):
    custom = get_custom_handout_or_404(current_user, handout_id)
    return render_template(
        "library/preview.html", handout=services.handout_from_custom(custom), custom=custom
    )


@bp.route("/own/<int:handout_id>/edit", methods=["GET", "POST"])
@roles_required("therapist")
def edit_own(handout_id):
    custom = get_custom_handout_or_404(current_user, handout_id)
    form = CustomHandoutForm(obj=custom)
    if form.validate_on_submit():
        services.update_custom_handout(custom, form.data_for_model())
        record_event("own_handout_changed", actor=current_user, target=custom)
        db.session.commit()
        flash("Changes saved.", "info")
        return redirect(url_for("library.own", handout_id=custom.id), code=303)
    return render_template("library/own_form.html", form=form, custom=custom)


@bp.get("/<slug>/pdf")
@roles_required("therapist")
def pdf(slug):
    handout = found_or_404(services.current_library().get(slug))
    return render_handout_pdf([handout], cached=True)


@bp.get("/own/<int:handout_id>/pdf")
@roles_required("therapist")
def own_pdf(handout_id):
    custom = get_custom_handout_or_404(current_user, handout_id)
    return render_handout_pdf([services.handout_from_custom(custom)])


def render_handout_pdf(handouts, prepared_for=None, cached=False):
    """One handout or a packet, as a PDF response; a document too large to print answers
    a clear 413 page instead of a long render."""
    from clinic.errors import render_error
    from clinic.pdf_responses import pdf_response
    from clinic.reports.cache import cached_handout_pdf
    from clinic.reports.handouts import handout_filename, handout_pdf
    from clinic.reports.render import PdfTooLarge, current_practice

    practice = current_practice()
    try:
        if cached and len(handouts) == 1 and prepared_for is None:
            data = cached_handout_pdf(handouts[0], practice)
        else:
            data = handout_pdf(handouts, practice, prepared_for=prepared_for)
    except PdfTooLarge as error:
        return render_error(413, "Too large to print", str(error))
    return pdf_response(data, handout_filename(handouts))


@bp.get("/exercises/<slug>")
@roles_required("therapist")
def exercise(slug):
    definition = found_or_404(services.current_library().exercise(slug))
    return render_template("library/exercise.html", definition=definition)


@bp.get("/exercises/<slug>/worksheet.pdf")
@roles_required("therapist")
def worksheet(slug):
    """A blank worksheet to print, or a fillable PDF form with ?fillable=1."""
    from clinic.pdf_responses import pdf_response
    from clinic.reports.exercises import exercise_filename, worksheet_pdf
    from clinic.reports.render import current_practice

    definition = found_or_404(services.current_library().exercise(slug))
    fillable = request.args.get("fillable") == "1"
    data = worksheet_pdf(definition, current_practice(), fillable=fillable)
    return pdf_response(
        data, exercise_filename(definition, "fillable" if fillable else "worksheet")
    )
