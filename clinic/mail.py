"""Outgoing e-mail: SMTP when configured, otherwise ``.eml`` files in the outbox folder.

Messages are neutral by rule: a greeting, a link, no clinical content.
"""

import logging
import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, render_template

log = logging.getLogger("clinic.mail")


def send_email(to: str, subject: str, template: str, **context) -> None:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="clinic.local")
    message.set_content(render_template(template, **context))

    if config["MAIL_SERVER"]:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
        log.info("mail sent via SMTP template=%s", template)
        return

    outbox = Path(config["OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{formatdate(localtime=False)[5:16].replace(' ', '-')}-{uuid.uuid4().hex}.eml"
    path.write_bytes(bytes(message))
    log.info("no SMTP configured: mail written to %s", path)
