"""Prefect tasks: thin wrappers around the services; case ids and counts in and out.

Importing this package installs the log redaction (tasks.privacy) for the whole process:
every flow imports it, so no flow run logs an email address, postcode, phone number or UPN.
"""

from tasks.privacy import install_redaction

install_redaction()
