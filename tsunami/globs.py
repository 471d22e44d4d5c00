"""Event-type glob patterns (``auth.user.*``) as database conditions."""

from __future__ import annotations

import re

from django.db.models import Q

_GLOB_START = re.compile(r"[*?\[]")


def is_glob(pattern: str) -> bool:
    """Tell whether ``pattern`` has a wildcard (``*``, ``?`` or ``[...]``)."""
    return _GLOB_START.search(pattern) is not None


def glob_regex(pattern: str) -> str:
    """Return an anchored regex for a glob that PostgreSQL, MySQL and Python all read alike.

    ``fnmatch.translate`` emits atomic or look-ahead groups, which PostgreSQL rejects.
    """
    out = ["^"]
    index = 0
    while index < len(pattern):
        char = pattern[index]
        index += 1
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[" and (end := _class_end(pattern, index)) != -1:
            body = pattern[index:end]
            index = end + 1
            negate = body.startswith("!")
            body = body[1:] if negate else body
            # Escaped, a "[" cannot open a POSIX class such as "[[.", which PostgreSQL rejects.
            body = body.replace("\\", "\\\\").replace("[", "\\[")
            out.append("[" + ("^" if negate else "") + body + "]")
        else:
            out.append(re.escape(char) if not char.isalnum() else char)
    out.append("$")
    return "".join(out)


def _class_end(pattern: str, index: int) -> int:
    """Return where the class opened just before ``index`` ends, or -1 if it does not.

    As in ``fnmatch``, a ``]`` first in the class, also after ``!``, is an ordinary
    character: ``[!]`` has no end and is literal text, where ``[^]`` is an invalid regex.
    """
    first = index + 1 if pattern.startswith("!", index) else index
    return pattern.find("]", first + 1)


def event_type_q(pattern: str) -> Q:
    """Return the condition for event types matching ``pattern`` (a type or a glob).

    Matching is case-sensitive on every backend: MySQL/MariaDB compare ``=`` without case
    under their default collations, but ``startswith`` there is ``LIKE BINARY``.
    """
    literal = _GLOB_START.split(pattern, maxsplit=1)[0]
    if literal == pattern:
        return Q(event_type=pattern, event_type__startswith=pattern)
    # The literal prefix lets the database narrow the search with the event-type index.
    return Q(event_type__startswith=literal, event_type__regex=glob_regex(pattern))
