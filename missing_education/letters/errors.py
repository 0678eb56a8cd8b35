"""The one exception the letters package raises.

    Exception
     └── LetterError   unknown letter type, missing or mistyped context value,
                       missing font, or a template that Typst cannot typeset

Messages name the letter type and the context key, never the value: values are a child's
and a family's personal data.
"""

from __future__ import annotations


class LetterError(Exception):
    """A letter cannot be rendered; the message names the key at fault, never its value."""
