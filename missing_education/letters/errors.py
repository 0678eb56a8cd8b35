"""The exception the letters package raises.

    Exception
     └── LetterError                unknown letter type, missing, blank or mistyped context
          │                         value, missing font or logo, a template Typst rejects
          └── UnprintableTextError  (typesetting) a character no installed font can display;
                                    render_letter re-raises it as a LetterError naming the keys

Messages name the letter type and the context key, never the value: values are a child's
and a family's personal data.
"""

from __future__ import annotations


class LetterError(Exception):
    """A letter cannot be rendered; the message names the key at fault, never its value."""
