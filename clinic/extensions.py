"""Extensions, created unbound and initialised in ``create_app``."""

from flask.globals import _cv_app, _cv_request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from clinic.db import Base


def session_scope() -> int:
    """One session per request, even when the request runs inside an application context
    that is already pushed (as in tests), so a request never sees another's identity map.
    ``create_app`` removes the request's session when the request ends."""
    ctx = _cv_request.get(None) or _cv_app.get(None)
    return id(ctx)


db = SQLAlchemy(model_class=Base, session_options={"scopefunc": session_scope})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
