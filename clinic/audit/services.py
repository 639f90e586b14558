import logging

from flask import has_request_context, request

from clinic.audit.models import AuditEvent
from clinic.extensions import db

log = logging.getLogger("clinic.audit")


def record_event(action, actor=None, target=None, couple_id=None, actor_id=None):
    """Add an audit event to the current transaction; the caller's commit stores it."""
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else actor_id,
        target_type=type(target).__name__.lower() if target is not None else None,
        target_id=target.id if target is not None else None,
        couple_id=couple_id,
        ip_address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    log.info(
        "audit action=%s actor=%s target=%s:%s couple=%s",
        action,
        event.actor_id,
        event.target_type,
        event.target_id,
        couple_id,
    )
    return event
