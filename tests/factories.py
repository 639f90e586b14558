"""factory_boy factories bound to the app's session."""

import factory
from argon2 import PasswordHasher

from clinic.accounts.models import User
from clinic.couples.models import Couple, Partner
from clinic.extensions import db

PASSWORD = "correct horse battery"
# Hashed once with light parameters so building many users stays fast; verification
# goes through the same code path as production hashes.
PASSWORD_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


class BaseFactory(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    display_name = factory.Sequence(lambda n: f"User {n}")
    password_hash = PASSWORD_HASH
    role = "therapist"
    is_active = True


class CoupleFactory(BaseFactory):
    class Meta:
        model = Couple

    therapist = factory.SubFactory(UserFactory, role="therapist")
    label = factory.Sequence(lambda n: f"Couple {n:04d}")
    status = "active"


class PartnerFactory(BaseFactory):
    class Meta:
        model = Partner

    couple = factory.SubFactory(CoupleFactory)
    position = 1
    display_name = factory.Sequence(lambda n: f"Partner {n}")
    pronouns = ""
    email = factory.Sequence(lambda n: f"partner{n}@example.org")
    user = None


def joined_partner(couple, position, **kwargs):
    """A partner who has accepted their invitation and can sign in."""
    email = kwargs.pop("email", f"joined-{couple.id}-{position}@example.org")
    name = kwargs.pop("display_name", f"Partner {couple.id}.{position}")
    user = UserFactory(email=email, display_name=name, role="client")
    return PartnerFactory(
        couple=couple, position=position, email=email, display_name=name, user=user, **kwargs
    )
