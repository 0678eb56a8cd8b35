"""Getting letters to their recipients: email over SMTP."""

from missing_education.delivery.smtp import DeliveryError, Email, SmtpTransport, Transport

__all__ = ["DeliveryError", "Email", "SmtpTransport", "Transport"]
