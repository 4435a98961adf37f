"""The shell layer: ``parse(cmd) -> ParsedLine`` and the IR types it returns.

Only :mod:`.bashlex_front` imports bashlex and only :mod:`.treesitter_front` imports
tree_sitter; everything else works on the IR in :mod:`.model`.
"""

from __future__ import annotations

from .model import (
    DYNAMIC_MARKERS,
    SYSTEM_BIN_DIRS,
    Assignment,
    Command,
    Ctx,
    Marker,
    ParsedLine,
    ParseIssue,
    PipelinePos,
    Redirect,
    RedirectMode,
    Span,
    Word,
)
from .parse import parse

__all__ = [
    "parse",
    "ParsedLine",
    "Command",
    "Marker",
    "Ctx",
    "Word",
    "Redirect",
    "RedirectMode",
    "Assignment",
    "PipelinePos",
    "ParseIssue",
    "Span",
    "DYNAMIC_MARKERS",
    "SYSTEM_BIN_DIRS",
]
