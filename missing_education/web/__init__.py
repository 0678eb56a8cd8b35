"""The case workspace: a server-rendered web app where the CME team sees and works each case."""

from missing_education.web.app import create_app

__all__ = ["create_app"]
