"""Sending mail through the SMTP server named in the configuration (standard library only).

The settings come from the environment (FCU_SMTP_HOST, FCU_SMTP_PORT, FCU_SMTP_STARTTLS 0/1,
FCU_SMTP_USER, FCU_SMTP_PASSWORD, FCU_MAIL_FROM, and FCU_BASE_URL for the links in mail), or
the same keys at the top level of ``.streamlit/secrets.toml``; the environment wins. Every
failure is a ``MailError`` whose message is a sentence saying what to check; the password is
never part of one.
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

from fcu.access import valid_email

KEYS = (
    "FCU_SMTP_HOST",
    "FCU_SMTP_PORT",
    "FCU_SMTP_STARTTLS",
    "FCU_SMTP_USER",
    "FCU_SMTP_PASSWORD",
    "FCU_MAIL_FROM",
    "FCU_BASE_URL",
)
SECRETS_FILE = Path(".streamlit") / "secrets.toml"
TIMEOUT_SECONDS = 30.0


class MailError(Exception):
    """Mail cannot be sent; the message is a sentence saying what to check."""


@dataclass(frozen=True)
class MailSettings:
    host: str = ""
    port: int = 587
    starttls: bool = True
    user: str = ""
    password: str = field(default="", repr=False)
    sender: str = ""
    base_url: str = ""
    timeout: float = TIMEOUT_SECONDS

    @property
    def configured(self) -> bool:
        return bool(self.host)

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def read_secrets(path: Path | None = None) -> dict:
    """The top-level keys of a secrets.toml (``.streamlit/secrets.toml`` of the working
    directory by default); empty when there is none."""
    path = path or SECRETS_FILE
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise MailError(f"The secrets file {path} cannot be read ({exc}); fix it.") from exc
    return {k: v for k, v in data.items() if k in KEYS}


def settings(
    environ: Mapping[str, str] | None = None, secrets: Mapping[str, object] | None = None
) -> MailSettings:
    """The mail settings: the environment first, then ``secrets`` (the secrets.toml's keys,
    read from the working directory when not given). Raises MailError when a value is wrong."""
    environ = os.environ if environ is None else environ
    secrets = read_secrets() if secrets is None else secrets

    def value(key: str) -> str:
        got = environ.get(key)
        if got is None or str(got).strip() == "":
            got = secrets.get(key, "")
        return str(got).strip()

    host = value("FCU_SMTP_HOST")
    if not host:
        return MailSettings()
    port_text = value("FCU_SMTP_PORT") or "587"
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise MailError(f"FCU_SMTP_PORT must be a port number such as 587, not {port_text!r}.")
    starttls_text = value("FCU_SMTP_STARTTLS") or "1"
    if starttls_text not in ("0", "1"):
        raise MailError(f"FCU_SMTP_STARTTLS must be 1 (use STARTTLS) or 0, not {starttls_text!r}.")
    sender = value("FCU_MAIL_FROM")
    if not valid_email(sender):
        raise MailError(
            "Set FCU_MAIL_FROM to the address the digest comes from, such as fcu@example.com."
        )
    base_url = value("FCU_BASE_URL").rstrip("/")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise MailError(
            "Set FCU_BASE_URL to the address people use to reach FCU, such as "
            "https://fcu.example.com, so that the links in mail open it."
        )
    user, password = value("FCU_SMTP_USER"), value("FCU_SMTP_PASSWORD")
    if user and not password:
        raise MailError("FCU_SMTP_USER is set but FCU_SMTP_PASSWORD is not; set both or neither.")
    return MailSettings(
        host=host,
        port=int(port_text),
        starttls=starttls_text == "1",
        user=user,
        password=password,
        sender=sender,
        base_url=base_url,
    )


class Mailer:
    """One SMTP session for a run of sends, opened on the first ``send``. Once connecting or
    logging in has failed, every later ``send`` of the run fails with the same sentence."""

    def __init__(self, config: MailSettings):
        self.config = config
        self._smtp: smtplib.SMTP | None = None
        self._broken: MailError | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def send(self, message: EmailMessage) -> None:
        smtp = self._connection()
        try:
            smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise MailError(
                f"The mail server {self.config.where} refused the address "
                f"{', '.join(exc.recipients)}."
            ) from exc
        except smtplib.SMTPSenderRefused as exc:
            raise MailError(
                f"The mail server {self.config.where} refused the sender {exc.sender} "
                f"({exc.smtp_code}); set FCU_MAIL_FROM to an address it accepts."
            ) from exc
        except smtplib.SMTPServerDisconnected as exc:
            self._smtp = None
            raise MailError(
                f"The mail server {self.config.where} closed the connection while sending; "
                "it will be tried again at the next run."
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(
                f"The mail server {self.config.where} did not take the message ({_said(exc)})."
            ) from exc

    def _connection(self) -> smtplib.SMTP:
        if self._broken is not None:
            raise self._broken
        if self._smtp is None:
            try:
                self._smtp = self._open()
            except MailError as exc:
                self._broken = exc
                raise
        return self._smtp

    def _open(self) -> smtplib.SMTP:
        c = self.config
        try:
            if c.port == 465:  # implicit TLS ("SMTPS")
                smtp = smtplib.SMTP_SSL(
                    c.host, c.port, timeout=c.timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(
                f"The mail server {c.where} could not be reached ({_said(exc)}); check "
                "FCU_SMTP_HOST and FCU_SMTP_PORT and that the server is up. Nothing was sent; "
                "the next run tries again."
            ) from exc
        try:
            smtp.ehlo()
            if c.starttls and c.port != 465:
                if not smtp.has_extn("starttls"):
                    raise MailError(
                        f"The mail server {c.where} does not offer STARTTLS; use its TLS port, "
                        "or set FCU_SMTP_STARTTLS=0 only for a server on a trusted network."
                    )
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if c.user:
                smtp.login(c.user, c.password)
        except smtplib.SMTPAuthenticationError as exc:
            smtp.close()
            raise MailError(
                f"The mail server {c.where} refused the login of {c.user} "
                f"({exc.smtp_code}); check FCU_SMTP_USER and FCU_SMTP_PASSWORD. Nothing was sent."
            ) from exc
        except MailError:
            smtp.close()
            raise
        except smtplib.SMTPNotSupportedError as exc:
            smtp.close()
            raise MailError(
                f"The mail server {c.where} does not offer a login (AUTH) on this connection; "
                "check FCU_SMTP_STARTTLS, or leave FCU_SMTP_USER empty if it needs none."
            ) from exc
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            smtp.close()
            raise MailError(
                f"The mail server {c.where} failed before sending ({_said(exc)}). Nothing was "
                "sent; the next run tries again."
            ) from exc
        return smtp


def _said(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else exc.smtp_error
        )
        return f"{exc.smtp_code} {text}".strip()
    if isinstance(exc, socket.timeout | TimeoutError):
        return "no answer in time"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
