"""The search query language of ``wirewatch articles --search``, parsed into a small tree.

One language, whichever database answers it (``storage.search`` translates the
tree to SQLite FTS5 and to PostgreSQL ``tsquery``):

- ``oil prices``: every word (words are ANDed); case does not matter
- ``"oil prices"``: the phrase, those words next to each other in that order
- ``oil OR gas``: either (``OR`` in capitals; ``or`` is a word)
- ``Kuwait -football``: without the word (``-`` right before a word, phrase or group)
- ``invest*``: a word beginning with ``invest``
- ``Kuwait (oil OR gas) -football``: parentheses group

``OR`` binds tighter than the space between terms, as in web search engines:
``Kuwait oil OR gas`` is ``Kuwait (oil OR gas)``. Words are matched as written,
never stemmed (``invest`` does not find ``investment``: ``invest*`` does), and a
word is a run of letters and digits: other characters separate words, so
``Putin-Trump`` is the phrase ``"Putin Trump"``. ``AND`` and ``NOT`` are
ordinary words.

A query that cannot mean anything (an unclosed quote or parenthesis, ``OR``
without a term on each side, only excluded terms) raises ``QuerySyntaxError``,
a usage error.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass

from wirewatch.core.errors import UsageError

_WORD = re.compile(r"[^\W_]+")
_QUOTES = '"\u201c\u201d'
_BREAKS = frozenset(f"(){_QUOTES}")


class QuerySyntaxError(UsageError):
    """The search text is not a query of the language (the message says why)."""


@dataclass(frozen=True, slots=True)
class Term:
    """A word or phrase: its words must follow one another in the text."""

    text: str
    """As the user wrote it (without quotes, ``-`` or ``*``): a database may tokenise it."""
    words: tuple[str, ...]
    """Its words, lower-cased: runs of letters and digits."""
    prefix: bool = False
    """The last word may be the beginning of a longer one (``invest*``)."""


@dataclass(frozen=True, slots=True)
class Not:
    """Excludes stories that match ``part``; only within an ``And`` that also includes some."""

    part: "Node"


@dataclass(frozen=True, slots=True)
class And:
    """Every part matches (and no ``Not`` part does)."""

    parts: tuple["Node", ...]


@dataclass(frozen=True, slots=True)
class Or:
    """At least one part matches."""

    parts: tuple["Node", ...]


Node = Term | Not | And | Or


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    """``(``, ``)``, ``OR``, ``-`` or ``term``."""
    term: Term | None = None


def parse_query(text: str) -> Node:
    """The tree of a query; ``QuerySyntaxError`` when it is not one."""
    tokens = list(_tokens(text))
    if not tokens:
        raise QuerySyntaxError(f"search {text!r}: no words to search for")
    parser = _Parser(tokens, text)
    node = parser.sequence()
    if parser.position < len(tokens):
        raise QuerySyntaxError(f"search {text!r}: ')' without a matching '('")
    return node


def _tokens(text: str) -> Iterator[_Token]:
    position = 0
    while position < len(text):
        char = text[position]
        if char.isspace():
            position += 1
        elif char in "()":
            yield _Token(char)
            position += 1
        elif char in _QUOTES:
            end = _closing_quote(text, position)
            inner = text[position + 1 : end]
            prefix = text.startswith("*", end + 1)
            position = end + 2 if prefix else end + 1
            words = _words(inner)
            if not words:
                raise QuerySyntaxError(f"search {text!r}: a phrase without words")
            yield _Token("term", Term(inner, words, prefix))
        else:
            end = position
            while end < len(text) and not text[end].isspace() and text[end] not in _BREAKS:
                end += 1
            yield from _chunk(text[position:end], text[end : end + 1])
            position = end


def _closing_quote(text: str, start: int) -> int:
    for index in range(start + 1, len(text)):
        if text[index] in _QUOTES:
            return index
    raise QuerySyntaxError(f'search {text!r}: a quote (") is not closed')


def _chunk(chunk: str, following: str) -> Iterator[_Token]:
    """A run of text up to a space, parenthesis or quote: ``OR``, a term, or punctuation."""
    if chunk == "OR":
        yield _Token("OR")
        return
    if chunk.startswith("-"):
        rest = chunk.lstrip("-")
        if rest and _words(rest):
            yield _Token("-")
            yield from _chunk(rest, following)
        elif not rest and following and following in _BREAKS - {")"}:
            yield _Token("-")  # -"phrase" or -(group)
        return  # a lone dash is punctuation
    words = _words(chunk)
    if words:
        prefix = chunk.endswith("*") and _WORD.fullmatch(chunk[-2:-1] or "_") is not None
        yield _Token("term", Term(chunk.rstrip("*") if prefix else chunk, words, prefix))


def _words(text: str) -> tuple[str, ...]:
    return tuple(word.lower() for word in _WORD.findall(text))


class _Parser:
    """Recursive descent: sequence := alternatives+; alternatives := unary (OR unary)*."""

    def __init__(self, tokens: list[_Token], text: str) -> None:
        self.tokens = tokens
        self.text = text
        self.position = 0

    def _peek(self) -> str | None:
        return self.tokens[self.position].kind if self.position < len(self.tokens) else None

    def _error(self, problem: str) -> QuerySyntaxError:
        return QuerySyntaxError(f"search {self.text!r}: {problem}")

    def sequence(self, *, nested: bool = False) -> Node:
        parts: list[Node] = []
        while self._peek() not in (None, ")"):
            parts.append(self.alternatives())
        if not parts and self._peek() == ")":
            raise self._error("empty parentheses" if nested else "')' without a matching '('")
        if not parts:
            raise self._error("a parenthesis '(' is not closed" if nested else "nothing to search")
        if all(isinstance(part, Not) for part in parts):
            raise self._error("only excluded terms: say what to search for, then -what to exclude")
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def alternatives(self) -> Node:
        if self._peek() == "OR":
            raise self._error("OR needs a term on each side")
        parts = [self.unary()]
        while self._peek() == "OR":
            self.position += 1
            if self._peek() in (None, ")", "OR"):
                raise self._error("OR needs a term on each side")
            parts.append(self.unary())
        if len(parts) > 1 and any(isinstance(part, Not) for part in parts):
            raise self._error("an excluded term cannot be one side of OR")
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def unary(self) -> Node:
        if self._peek() == "-":
            self.position += 1
            return Not(self.primary())
        return self.primary()

    def primary(self) -> Node:
        token = self.tokens[self.position] if self.position < len(self.tokens) else None
        if token is None:
            raise self._error("nothing after '-'")
        self.position += 1
        if token.kind == "term" and token.term is not None:
            return token.term
        if token.kind == "(":
            node = self.sequence(nested=True)
            if self._peek() != ")":
                raise self._error("a parenthesis '(' is not closed")
            self.position += 1
            return node
        if token.kind == ")":
            raise self._error("')' without a matching '('")
        raise self._error(f"{token.kind} is out of place")
