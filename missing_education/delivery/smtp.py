"""Email delivery over SMTP, with a PDF letter attached and a stable Message-ID."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Protocol

from missing_education.settings import Mail


class DeliveryError(Exception):
    """The mail server could not take the message; `permanent` when retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Email:
    """One message: a short cover note and the letter as a PDF attachment."""

    to: str
    subject: str
    body: str
    attachment_name: str
    attachment: bytes
    message_id: str


class Transport(Protocol):
    """Anything that can send an Email (SMTP in production, a recorder in unit tests)."""

    def send(self, email: Email) -> None: ...


class SmtpTransport:
    """Sends through the council's SMTP server, one connection per call of `send`."""

    def __init__(self, mail: Mail, timeout: float = 30.0) -> None:
        self.mail = mail
        self.timeout = timeout

    def send(self, email: Email) -> None:
        """Send the message, or raise DeliveryError saying whether a retry may help."""
        message = EmailMessage()
        message["From"] = self.mail.sender
        message["To"] = email.to
        message["Subject"] = email.subject
        message["Date"] = formatdate(localtime=False)
        # A stable id lets a receiving server recognise a message it already has.
        message["Message-ID"] = email.message_id
        message.set_content(email.body)
        message.add_attachment(
            email.attachment, maintype="application", subtype="pdf", filename=email.attachment_name
        )
        try:
            with smtplib.SMTP(
                self.mail.smtp_host, self.mail.smtp_port, timeout=self.timeout
            ) as smtp:
                if self.mail.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.mail.smtp_username:
                    smtp.login(self.mail.smtp_username, self.mail.smtp_password)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused:
            raise DeliveryError("the mail server refused the recipient", permanent=True) from None
        except smtplib.SMTPResponseException as error:
            permanent = 500 <= error.smtp_code < 600
            raise DeliveryError(
                f"mail server answered {error.smtp_code}", permanent=permanent
            ) from None
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryError(f"mail server unreachable ({type(error).__name__})") from None
