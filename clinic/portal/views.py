"""The client portal: what a partner sees after signing in."""

from flask import Blueprint, render_template
from flask_login import current_user

from clinic.couples.access import partners_of_client
from clinic.security import roles_required

bp = Blueprint("portal", __name__, url_prefix="/portal")


@bp.get("")
@roles_required("client")
def home():
    partners = partners_of_client(current_user)
    return render_template("portal/home.html", partners=partners)
