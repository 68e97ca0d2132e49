"""Hypothesis strategies for the /wechat fuzz: valid pushes as WeChat builds them, then mutated.

A push starts as the fields WeChat sends for one message type (text, voice, image, location,
link, events...) and may then be changed at the field level (a field dropped, duplicated,
nested, given a huge, odd or wrongly typed value or an entity reference, an unknown field
added) and at the byte level (truncated, a byte flipped, a DOCTYPE/ENTITY injected, deeply
nested, re-encoded as GBK or UTF-16, garbage appended), or replaced by random bytes.
"""
from __future__ import annotations

from hypothesis import strategies as st

ACCOUNT = "gh_test_account"
EVENTS = ("subscribe", "unsubscribe", "SCAN", "LOCATION", "CLICK", "VIEW", "subscribe_scan",
          "TEMPLATESENDJOBFINISH", "no_such_event", "")
TYPE_FIELDS = {
    "text": ("Content",),
    "voice": ("MediaId", "Format", "Recognition"),
    "image": ("PicUrl", "MediaId"),
    "video": ("MediaId", "ThumbMediaId"),
    "shortvideo": ("MediaId", "ThumbMediaId"),
    "location": ("Location_X", "Location_Y", "Scale", "Label"),
    "link": ("Title", "Description", "Url"),
    "event": ("Event", "EventKey"),
    "no_such_type": ("Content",),
}
# Text WeChat can send: XML 1.0 allows no control characters but tab and newlines, no lone surrogates.
XML_TEXT = st.characters(exclude_categories=("Cs", "Cc", "Cn")) | st.sampled_from("\t\n")
# What the assistant understands, so some pushes run a real dialog turn.
SENTENCES = ("我想办异地就医备案", "公司派我去苏州工作一年", "帮我找家医院", "1", "2", "取消", "大字", "你好",
             "我在沈阳参保，在深圳透析，能直接结算吗")
ODD_VALUES = st.one_of(
    st.sampled_from(["", " ", "-1", "0", "99999999999999999999999999", "1e308", "NaN", "true", "null", "]]>",
                     "<", "&amp;", "&lol;", "\u202e", "\ufeff", "\U0001f600" * 50, "x" * 70_000, "长" * 30_000]),
    st.text(max_size=200),
    st.integers().map(str),
    st.floats(allow_nan=True).map(str),
)
HOSTILE_PREFIXES = (
    b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">]>',
    b'<!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>',
    b'<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    b'<?xml version="1.0" encoding="GBK"?>',
    b'<?xml version="1.0" encoding="UTF-16"?>',
    b"<!-- comment -->",
    b"<?xml-stylesheet href='x'?>",
)


def _escape(value: str) -> str:
    # WeChat wraps strings in CDATA; a "]]>" inside must be split as any XML writer would.
    return value.replace("]]>", "]]]]><![CDATA[>")


def render(fields: list[tuple[str, str, bool]]) -> str:
    """Render (tag, value, as_cdata) fields inside <xml> the way WeChat does."""
    body = "".join(f"<{tag}><![CDATA[{_escape(value)}]]></{tag}>" if cdata else f"<{tag}>{value}</{tag}>"
                   for tag, value, cdata in fields)
    return f"<xml>{body}</xml>"


@st.composite
def message_fields(draw, openids: tuple[str, ...]) -> list[tuple[str, str, bool]]:
    """Draw the fields of a valid push: header, the message type's own fields, and the MsgId."""
    msg_type = draw(st.sampled_from(tuple(TYPE_FIELDS)))
    fields = [("ToUserName", ACCOUNT, True), ("FromUserName", draw(st.sampled_from(openids)), True),
              ("CreateTime", str(draw(st.integers(1_600_000_000, 1_900_000_000))), False),
              ("MsgType", msg_type, True)]
    for tag in TYPE_FIELDS[msg_type]:
        if tag == "Event":
            value = draw(st.sampled_from(EVENTS))
        elif tag in ("Content", "Recognition"):
            value = draw(st.one_of(st.sampled_from(SENTENCES), st.text(XML_TEXT, max_size=300)))
        else:
            value = draw(st.text(XML_TEXT, max_size=40))
        fields.append((tag, value, True))
    if msg_type != "event":
        fields.append(("MsgId", str(draw(st.integers(1, 2**63 - 1))), False))
    return fields


@st.composite
def mutated_fields(draw, fields: list[tuple[str, str, bool]]) -> list[tuple[str, str, bool]]:
    """Apply up to three field-level mutations."""
    fields = list(fields)
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(fields) - 1)) if fields else 0
        kind = draw(st.sampled_from(("drop", "odd", "duplicate", "unknown", "nested", "raw", "entity")))
        if not fields and kind != "unknown":
            continue
        if kind == "drop":
            del fields[i]
        elif kind == "odd":
            fields[i] = (fields[i][0], draw(ODD_VALUES), fields[i][2])
        elif kind == "duplicate":
            fields.insert(i, (fields[i][0], draw(ODD_VALUES), True))
        elif kind == "entity":
            fields[i] = (fields[i][0], draw(st.sampled_from(("&a;", "&c;", "&xxe;", "&lol9;"))), False)
        elif kind == "unknown":
            fields.append((draw(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,20}", fullmatch=True)), draw(ODD_VALUES),
                           True))
        elif kind == "nested":
            depth = draw(st.integers(1, 3000))
            fields[i] = (fields[i][0], "<a>" * depth + "x" + "</a>" * depth, False)
        else:  # the value outside CDATA, unescaped
            fields[i] = (fields[i][0], draw(ODD_VALUES), False)
    return fields


@st.composite
def mutated_bytes(draw, xml: str) -> bytes:
    """Apply up to two byte-level mutations to a rendered push."""
    data = xml.encode("utf-8")
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(("truncate", "flip", "prefix", "deep", "encode", "append", "strip_root")))
        if kind == "truncate":
            data = data[:draw(st.integers(0, len(data)))]
        elif kind == "flip" and data:
            i = draw(st.integers(0, len(data) - 1))
            data = data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1:]
        elif kind == "prefix":
            data = draw(st.sampled_from(HOSTILE_PREFIXES)) + data
        elif kind == "deep":
            depth = draw(st.integers(1, 20_000))
            data = data.replace(b"</xml>", b"<a>" * depth + b"</a>" * depth + b"</xml>", 1)
        elif kind == "encode":
            text = data.decode("utf-8", "replace")
            data = text.encode(draw(st.sampled_from(("gbk", "utf-16", "utf-16-le", "latin-1"))), "replace")
        elif kind == "append":
            data += draw(st.binary(max_size=64))
        elif kind == "strip_root":
            data = data.replace(b"<xml>", b"", 1)
    return data


def pushes(openids: tuple[str, ...]):
    """Return a strategy of (body, safe_mode) pushes: valid, mutated (fields, bytes) or random bytes.

    Plain and safe mode (encrypted by the sender) alike; bytes are mutated in plain mode only.
    """
    valid = message_fields(openids).map(render)
    fields_changed = message_fields(openids).flatmap(mutated_fields).map(render)
    bytes_changed = st.one_of(valid, fields_changed).flatmap(mutated_bytes)
    noise = st.binary(max_size=2048)
    # Valid pushes twice as often as each kind of damage, so that real turns run too.
    plain = st.one_of(valid, valid, fields_changed, bytes_changed, noise).map(lambda body: (body, False))
    safe = st.one_of(valid, fields_changed).map(lambda xml: (xml, True))
    return st.one_of(plain, safe)
