"""The regular-expression dialect filters accept: RE2's, which matches in time linear in
the text, so no pattern can stall the server (Python's `re` backtracks: `^(.+)+!` takes
forever on a long name). The builder's validation and the demo API both ask
`pattern_problem`, so a pattern the builder accepts is one the server can run.

RE2 leaves out what needs backtracking: back-references (`\\1`, `(?P=name)`), lookahead
and lookbehind (`(?=`, `(?!`, `(?<=`, `(?<!`), atomic groups and possessive repeats.
"""

from __future__ import annotations

from typing import Any

import re2

from cekura_dashboards.catalog import MAX_PATTERN_LENGTH, text_length_problem

# Each compiled pattern may use this much memory for its automata; a pattern needing more
# is refused at compile time rather than slowing down every match.
_MAX_MEM = 8 << 20

# RE2's error text -> what a person should be told. Checked in order; the first match wins.
_PLAIN_WORDS: tuple[tuple[str, str], ...] = (
    ("invalid perl operator: (?=", "lookahead '(?=…)' is not supported"),
    ("invalid perl operator: (?!", "negative lookahead '(?!…)' is not supported"),
    ("invalid perl operator: (?<=", "lookbehind '(?<=…)' is not supported"),
    ("invalid perl operator: (?<!", "negative lookbehind '(?<!…)' is not supported"),
    ("invalid perl operator: (?>", "atomic groups '(?>…)' are not supported"),
    ("invalid perl operator: (?P=", "back-references such as '(?P=name)' are not supported"),
    ("invalid perl operator: (?P", "back-references such as '(?P=name)' are not supported"),
    ("bad repetition operator: ++", "possessive repeats such as 'a++' are not supported"),
    ("bad repetition operator: *+", "possessive repeats such as 'a*+' are not supported"),
    ("bad repetition operator: ?+", "possessive repeats such as 'a?+' are not supported"),
    ("invalid repetition size", "a repeat count such as {n} may be at most 1000"),
    ("missing ]", "a '[' has no matching ']'"),
    ("missing )", "a '(' has no matching ')'"),
    ("unexpected )", "a ')' has no matching '('"),
    ("trailing \\", "it ends with a lone backslash"),
    ("pattern too large", "it is too large to run quickly; make it simpler"),
)


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # RE2 would print every refused pattern to stderr
    options.max_mem = _MAX_MEM
    options.never_capture = True  # filters only ask "does it match": groups cost time
    return options


def _plain(error_text: str) -> str:
    if error_text.startswith("invalid escape sequence: \\") and error_text[-1:].isdigit():
        return f"back-references such as '{error_text.split(': ', 1)[1]}' are not supported"
    for prefix, words in _PLAIN_WORDS:
        if error_text.startswith(prefix):
            return words
    if error_text.startswith("invalid escape sequence: "):
        return f"'{error_text.split(': ', 1)[1]}' is not an escape this dialect knows"
    return error_text


def _quoted(pattern: str, limit: int = 60) -> str:
    if len(pattern) > limit:
        pattern = pattern[: limit - 1] + "…"
    return repr(pattern)


def compile_pattern(pattern: str) -> Any:
    """The compiled RE2 pattern. Raises ValueError with `pattern_problem`'s words when the
    pattern is outside the dialect."""
    problem = pattern_problem(pattern)
    if problem is not None:
        raise ValueError(problem)
    return re2.compile(pattern, _options())


def pattern_problem(pattern: Any) -> str | None:
    """Why `pattern` is not a regular expression filters can use, in plain words; None
    when it is one."""
    if not isinstance(pattern, str):
        return "A pattern must be text."
    too_long = text_length_problem(pattern, pattern=True)
    if too_long:
        return too_long
    try:
        pattern.encode("utf-8")
    except UnicodeEncodeError:
        return "The pattern holds a character that is not valid Unicode (a lone surrogate)."
    try:
        re2.compile(pattern, _options())
    except re2.error as exc:
        raw = exc.args[0] if exc.args else ""
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        return f"The pattern {_quoted(pattern)} cannot be used: {_plain(text)}."
    return None


__all__ = ["MAX_PATTERN_LENGTH", "compile_pattern", "pattern_problem"]
