"""YAML files as text: values are replaced in place so every other byte stays as it was.

Rather than re-serialising the document (which would re-indent, re-quote and re-align the
user's file), the file is composed with ruamel.yaml for node positions and only the spans of
the scalars that change are rewritten; the ``sops`` block is appended to (and removed from)
the end of each document. ``pancert encrypt`` followed by ``pancert decrypt`` therefore gives
the original bytes back whenever the secrets were double-quoted, as in the Sectigo samples.
Encrypted comments (``#ENC[...]``) are decrypted by trying the path of every mapping in the
document as AAD (§2), which sidesteps the differences between parsers in where a comment
belongs; GCM authentication makes a wrong guess impossible to accept.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from pancert.config.yamlio import describe
from pancert.secrets import _values as values
from pancert.secrets._errors import UnsupportedFileError, ValueDecryptError
from pancert.secrets._tree import Comment, Leaf

_COMMENT_ENC = re.compile(r"#(ENC\[AES256_GCM,[^\]\n]*\])")
_STR_TAG = "tag:yaml.org,2002:str"


@dataclass
class Document:
    """One YAML document: its node tree, its leaves, and where its ``sops`` block is."""

    root: MappingNode
    leaves: list[Leaf] = field(default_factory=list)
    containers: list[tuple[tuple[str, ...], int, int]] = field(default_factory=list)
    """(path, start, end) of each mapping/sequence, from just after the key that owns it."""
    sops_value: Any = None
    sops_span: tuple[int, int] | None = None


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    flow: bool
    style: str | None
    """ruamel's scalar style: None (plain), '"', "'", '|' or '>'."""


def parse(text: str, source: Path) -> list[Document]:
    """Compose every document; the top level of each must be a mapping (§1)."""
    yaml = YAML()
    try:
        roots = [node for node in yaml.compose_all(text) if node is not None]
        documents = [_document(yaml, node, source) for node in roots]
        # Construct each document once so duplicate keys are refused as sops does (§1).
        for node in roots:
            yaml.constructor.construct_document(node)
    except YAMLError as exc:
        # the library's own text quotes lines and values (both of a duplicate key)
        raise UnsupportedFileError(source, f"not valid YAML{describe(exc)}") from None
    return documents


def _document(yaml: YAML, root: Node, source: Path) -> Document:
    if not isinstance(root, MappingNode):
        raise UnsupportedFileError(source, "the top level of a YAML document must be a mapping")
    doc = Document(root)
    for key_node, value_node in root.value:
        if isinstance(key_node, ScalarNode) and key_node.value == "sops":
            doc.sops_value = yaml.constructor.construct_object(value_node, deep=True)
            doc.sops_span = (_line_start(key_node), _block_end(value_node))
    doc.leaves = list(_walk(yaml, root, (), False, doc, start=0, source=source))
    return doc


def _walk(
    yaml: YAML,
    node: Node,
    path: tuple[str, ...],
    flow: bool,
    doc: Document,
    *,
    start: int,
    source: Path,
) -> Iterator[Leaf]:
    if isinstance(node, MappingNode | SequenceNode):
        # Comments between the owning key and the first item belong to this container.
        doc.containers.append((path, start, int(node.end_mark.index)))
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag != _STR_TAG:
                where = ".".join(path) or "the top level"
                raise UnsupportedFileError(source, f"non-string mapping key under {where}")
            if not path and key_node.value == "sops":
                continue
            child_flow = flow or bool(node.flow_style)
            yield from _walk(
                yaml,
                value_node,
                (*path, key_node.value),
                child_flow,
                doc,
                start=int(key_node.end_mark.index),
                source=source,
            )
    elif isinstance(node, SequenceNode):
        for item in node.value:
            item_flow = flow or bool(node.flow_style)
            item_start = int(item.start_mark.index)
            yield from _walk(yaml, item, path, item_flow, doc, start=item_start, source=source)
    else:
        value = yaml.constructor.construct_object(node, deep=True)
        style = node.style if isinstance(node, ScalarNode) else None
        span = Span(node.start_mark.index, node.end_mark.index, flow, style)
        yield Leaf(path, value, span)


def _line_start(node: Node) -> int:
    return int(node.start_mark.index) - int(node.start_mark.column)


def _block_end(node: Node) -> int:
    end = int(node.end_mark.index)
    buffer = node.end_mark.buffer
    if buffer is not None and end > 0 and buffer[end - 1] != "\n":
        newline = buffer.find("\n", end)
        return len(buffer) if newline < 0 else newline + 1
    return end


def encrypted_text(text: str, docs: list[Document], new: list[list[str | None]], block: str) -> str:
    """``text`` with each document's encrypted leaves replaced and ``block`` appended to it."""
    edits: list[tuple[int, int, str]] = []
    for doc, replacements in zip(docs, new, strict=True):
        for leaf, enc in zip(doc.leaves, replacements, strict=True):
            if enc is not None:
                span: Span = leaf.ref
                tail = "\n" if text[span.end - 1 : span.end] == "\n" else ""
                edits.append((span.start, span.end, (f'"{enc}"' if span.flow else enc) + tail))
        end = _block_end(doc.root)
        prefix = "" if end == 0 or text[end - 1] == "\n" else "\n"
        edits.append((end, end, prefix + block))
    return _apply(text, edits)


def decrypted_text(
    text: str, docs: list[Document], new: list[list[Any]], key: bytes, source: Path
) -> str:
    """``text`` with decrypted values, comments and list-item comments, without ``sops``."""
    edits: list[tuple[int, int, str]] = []
    scalar_spans: list[tuple[int, int]] = []
    style = _house_style(docs)
    for doc, replacements in zip(docs, new, strict=True):
        for leaf, value in zip(doc.leaves, replacements, strict=True):
            span: Span = leaf.ref
            scalar_spans.append((span.start, span.end))
            if isinstance(value, Comment):
                dash = text.rfind("-", 0, span.start)
                edits.append((dash, span.end, "#" + value.text))
            elif value is not leaf.value:
                tail = "\n" if text[span.end - 1 : span.end] == "\n" else ""
                edits.append((span.start, span.end, render(value, style) + tail))
        if doc.sops_span is not None:
            edits.append((*doc.sops_span, ""))
    paths = [path for doc in docs for path, _, _ in doc.containers]
    for match in _COMMENT_ENC.finditer(text):
        if any(start <= match.start() < end for start, end in scalar_spans):
            continue
        edits.append((match.start(), match.end(), "#" + _comment(match[1], key, paths, source)))
    return _apply(text, edits)


def _comment(enc: str, key: bytes, paths: list[tuple[str, ...]], source: Path) -> str:
    for path in dict.fromkeys(paths):
        try:
            return values.decrypt_value(enc, key, values.aad_for(path)).data.decode()
        except (values.AuthenticationFailed, values.MalformedValue):
            continue
    raise ValueDecryptError(source, "an encrypted comment could not be decrypted (tampered?)")


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _house_style(docs: list[Document]) -> str | None:
    """The quoting most of the file's cleartext strings use: decrypted strings follow it, so
    a file whose secrets were quoted like its other values decrypts to its original bytes."""
    styles = Counter(
        leaf.ref.style
        for doc in docs
        for leaf in doc.leaves
        if isinstance(leaf.value, str) and leaf.value and not values.is_enc(leaf.value)
    )
    ranked = [style for style, _ in styles.most_common() if style in (None, '"', "'")]
    return ranked[0] if ranked else '"'


_RESOLVER = VersionedResolver(version=(1, 2))
_PLAIN_SAFE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@/+=~-]*")


def render(value: Any, style: str | None = '"') -> str:
    """A decrypted value as a YAML scalar that reads back as the same typed value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, dt.datetime):
        return values.rfc3339nano(value)
    if isinstance(value, bytes):
        return "!!binary " + base64.b64encode(value).decode()
    text = str(value)
    plain_safe = style is None and _PLAIN_SAFE.fullmatch(text)
    if plain_safe and _RESOLVER.resolve(ScalarNode, text, (True, False)) == _STR_TAG:
        return text
    if style == "'" and text.isprintable():
        return "'" + text.replace("'", "''") + "'"
    return json.dumps(text, ensure_ascii=False)


def metadata_block(metadata: dict[str, Any]) -> str:
    """The ``sops:`` mapping in sops' own layout (indent 4, sequences indented)."""
    styled: dict[str, Any] = {}
    for name, value in metadata.items():
        if name in ("pgp", "age"):
            styled[name] = [_styled_entry(entry) for entry in value]
        elif name == "lastmodified":
            styled[name] = DoubleQuotedScalarString(value)
        else:
            styled[name] = value
    yaml = YAML()
    yaml.indent(mapping=4, sequence=6, offset=4)
    yaml.width = 1 << 16
    out = io.StringIO()
    yaml.dump({"sops": styled}, out)
    return out.getvalue()


def _styled_entry(entry: dict[str, str]) -> dict[str, Any]:
    styled: dict[str, Any] = {}
    for name, value in entry.items():
        if name == "enc":
            styled[name] = LiteralScalarString(value)
        elif name == "created_at":
            styled[name] = DoubleQuotedScalarString(value)
        else:
            styled[name] = value
    return styled


def comments_in_encrypted_containers(text: str, docs: list[Document], encrypts: Any) -> list[str]:
    """Paths of encrypted subtrees holding comments, which pancert does not encrypt (§2)."""
    found: list[str] = []
    for doc in docs:
        spans = [(leaf.ref.start, leaf.ref.end) for leaf in doc.leaves]
        for path, start, end in doc.containers:
            if not path or not encrypts(path):
                continue
            for match in re.finditer(r"(^|[ \t])#", text[start:end], re.MULTILINE):
                where = start + match.end() - 1
                if not any(s <= where < e for s, e in spans):
                    found.append(".".join(path))
                    break
    return found
