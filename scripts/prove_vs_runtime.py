#!/usr/bin/env python3
"""`protoguard prove` held against a real protobuf runtime (Python's upb `protobuf`).

For every single-change schema mutation generated below (field types, presence, cardinality,
packing, oneofs, names, numbers, JSON names, defaults, enum values, proto2/proto3 syntax and
editions features), this script

1. compiles the old and the new schema to images with protoc (grpcio-tools);
2. runs `protoguard prove NEW --against OLD --json --format json` on them;
3. replays every counterexample the prover printed — its bytes, or its JSON text — through
   the runtime's readers: a counterexample is *confirmed* when the runtime's reader of the
   other side sees a different message, fails to parse it, or (for a relay) hands the writer
   back something different;
4. searches for a loss with the runtime alone, with random messages of the writer's type in
   both directions and both encodings, so that a problem the prover misses shows.

A (mutation, direction, encoding) is a *real problem* when the runtime found a loss or
confirmed one of the prover's counterexamples. Printed: every disagreement, then the figures
(counterexamples confirmed real; real problems the prover found; false alarms). Exit 1 on a
false alarm or a missed problem.

Messages are compared by meaning, field by field, as the prover does: numbers as numbers,
strings and bytes as bytes, NaN equal to NaN, lists in order, maps as maps, presence where
both sides track it; fields are paired by number in binary and by JSON key through JSON.
"""

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
from google.protobuf.descriptor import FieldDescriptor as FD

# ---- schemas -------------------------------------------------------------------------------

TYPES = [
    "int32", "int64", "uint32", "uint64", "sint32", "sint64", "bool", "fixed32", "sfixed32",
    "fixed64", "sfixed64", "float", "double", "string", "bytes", "E", "N",
]


def p3(fields, enum="E0 = 0; E1 = 1; E2 = 2;"):
    return (f'syntax = "proto3";\npackage p;\nmessage M {{ {fields} int32 keep = 9; }}\n'
            f"enum E {{ {enum} }}\nmessage N {{ int32 a = 1; string b = 2; }}\n")


def p2(fields, enum="E0 = 0; E1 = 1; E2 = 2;"):
    return (f'syntax = "proto2";\npackage p;\nmessage M {{ {fields} optional int32 keep = 9; }}\n'
            f"enum E {{ {enum} }}\nmessage N {{ optional int32 a = 1; optional string b = 2; }}\n")


def e23(fields, file_opts="", enum="E0 = 0; E1 = 1; E2 = 2;"):
    return (f'edition = "2023";\npackage p;\n{file_opts}\nmessage M {{ {fields} int32 keep = 9; }}\n'
            f"enum E {{ {enum} }}\nmessage N {{ int32 a = 1; string b = 2; }}\n")


def mutations():
    """(name, old schema, new schema): one change each."""
    out = []
    for a in TYPES:
        for b in TYPES:
            if a != b:
                out.append((f"proto3 {a} -> {b}", p3(f"{a} f = 1;"), p3(f"{b} f = 1;")))
                out.append((f"proto2 {a} -> {b}", p2(f"optional {a} f = 1;"),
                            p2(f"optional {b} f = 1;")))
    for t in ["int32", "string", "bytes", "E", "double", "bool"]:
        out.append((f"proto3 {t} -> optional", p3(f"{t} f = 1;"), p3(f"optional {t} f = 1;")))
        out.append((f"proto3 optional {t} -> plain", p3(f"optional {t} f = 1;"), p3(f"{t} f = 1;")))
        out.append((f"proto3 {t} into a oneof", p3(f"{t} f = 1;"), p3(f"oneof o {{ {t} f = 1; }}")))
    for t in ["int32", "string", "N", "E", "fixed64"]:
        out.append((f"proto3 {t} -> repeated", p3(f"{t} f = 1;"), p3(f"repeated {t} f = 1;")))
        out.append((f"proto3 repeated {t} -> singular", p3(f"repeated {t} f = 1;"), p3(f"{t} f = 1;")))
        out.append((f"proto2 {t} -> repeated", p2(f"optional {t} f = 1;"), p2(f"repeated {t} f = 1;")))
    out += [
        ("proto3 unpacked", p3("repeated int32 f = 1;"), p3("repeated int32 f = 1 [packed = false];")),
        ("proto2 packed", p2("repeated sint64 f = 1;"), p2("repeated sint64 f = 1 [packed = true];")),
        ("proto3 rename", p3("int32 f = 1;"), p3("int32 g = 1;")),
        ("proto3 renumber", p3("int32 f = 1;"), p3("int32 f = 3;")),
        ("proto3 json_name", p3("int32 f = 1;"), p3('int32 f = 1 [json_name = "g"];')),
        ("proto3 renumber, json_name kept", p3('int32 f = 1 [json_name = "x"];'), p3('int32 x = 3;')),
        ("proto3 delete", p3("int32 f = 1;"), p3("")),
        ("proto3 delete and reserve", p3("int32 f = 1;"), p3("reserved 1;")),
        ("proto3 add", p3(""), p3("string f = 1;")),
        ("proto3 map value type", p3("map<string, int32> f = 1;"), p3("map<string, int64> f = 1;")),
        ("proto3 map key type", p3("map<int32, string> f = 1;"), p3("map<uint32, string> f = 1;")),
        ("proto3 enum value added", p3("E f = 1;"), p3("E f = 1;", "E0 = 0; E1 = 1; E2 = 2; E3 = 3;")),
        ("proto3 enum value removed", p3("E f = 1;"), p3("E f = 1;", "E0 = 0; E1 = 1;")),
        ("proto3 enum value renamed", p3("E f = 1;"), p3("E f = 1;", "E0 = 0; E1 = 1; E_TWO = 2;")),
        ("proto2 enum value added", p2("optional E f = 1;"),
         p2("optional E f = 1;", "E0 = 0; E1 = 1; E2 = 2; E3 = 3;")),
        ("proto2 enum value removed", p2("optional E f = 1;"), p2("optional E f = 1;", "E0 = 0; E1 = 1;")),
        ("proto3 -> proto2 enum (open -> closed)", p3("optional E f = 1;"), p2("optional E f = 1;")),
        ("proto2 -> proto3 enum (closed -> open)", p2("optional E f = 1;"), p3("optional E f = 1;")),
        ("proto2 required -> optional", p2("required int32 f = 1;"), p2("optional int32 f = 1;")),
        ("proto2 optional -> required", p2("optional int32 f = 1;"), p2("required int32 f = 1;")),
        ("proto2 group -> message", p2("optional group G = 1 { optional int32 a = 2; }"),
         p2("optional G g = 1; message G { optional int32 a = 2; }")),
    ]
    for t, d1, d2 in [("int32", "", "[default = 5]"), ("string", "", '[default = "x"]'),
                      ("string", '[default = "a"]', '[default = "b"]'),
                      ("bytes", "", '[default = "\\001"]'), ("bool", "", "[default = true]"),
                      ("E", "", "[default = E2]"), ("double", "", "[default = 1.5]")]:
        out.append((f"proto2 {t} default {d1 or 'none'} -> {d2}", p2(f"optional {t} f = 1 {d1};"),
                    p2(f"optional {t} f = 1 {d2};")))
    out += [
        ("editions explicit -> implicit", e23("int32 f = 1;"),
         e23("int32 f = 1 [features.field_presence = IMPLICIT];")),
        ("editions file presence implicit", e23("int32 f = 1; string s = 2;"),
         e23("int32 f = 1; string s = 2;", "option features.field_presence = IMPLICIT;")),
        ("editions delimited", e23("N f = 1;"), e23("N f = 1 [features.message_encoding = DELIMITED];")),
        ("editions expanded", e23("repeated int32 f = 1;"),
         e23("repeated int32 f = 1 [features.repeated_field_encoding = EXPANDED];")),
        ("editions enum closed", e23("E f = 1;"),
         e23("E f = 1;", enum="option features.enum_type = CLOSED; E0 = 0; E1 = 1; E2 = 2;")),
        ("editions closed enum value added",
         e23("E f = 1;", enum="option features.enum_type = CLOSED; E0 = 0; E1 = 1; E2 = 2;"),
         e23("E f = 1;", enum="option features.enum_type = CLOSED; E0 = 0; E1 = 1; E2 = 2; E3 = 3;")),
        ("editions string (verify) -> bytes", e23("string f = 1;"), e23("bytes f = 1;")),
        ("editions string (none) -> bytes", e23("string f = 1 [features.utf8_validation = NONE];"),
         e23("bytes f = 1;")),
        ("editions bytes -> string (none)", e23("bytes f = 1;"),
         e23("string f = 1 [features.utf8_validation = NONE];")),
        ("editions int32 -> sint32", e23("int32 f = 1;"), e23("sint32 f = 1;")),
        ("editions default added", e23("string f = 1;"), e23('string f = 1 [default = "x"];')),
        ("editions legacy required", e23("int32 f = 1;"),
         e23("int32 f = 1 [features.field_presence = LEGACY_REQUIRED];")),
    ]
    # A change several message levels below the type proved (`--message p.M`).
    chain = ('syntax = "proto3";\npackage p;\nmessage M {{ A1 a = 1; int32 keep = 9; }}\n'
             "message A1 {{ A2 a = 1; string s = 2; }}\nmessage A2 {{ A3 a = 1; repeated A1 back = 2; }}\n"
             "message A3 {{ A4 a = 1; }}\nmessage A4 {{ {} x = 1; }}\n")
    for a, b in [("int32", "sint32"), ("int64", "int32"), ("string", "bytes"), ("fixed32", "float")]:
        out.append((f"proto3 {a} -> {b} four levels down", chain.format(a), chain.format(b)))
    return out


# ---- the runtime ---------------------------------------------------------------------------

def compile_image(workdir, text):
    os.makedirs(workdir, exist_ok=True)
    with open(os.path.join(workdir, "a.proto"), "w") as f:
        f.write(text)
    out = os.path.join(workdir, "image.binpb")
    r = subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I", workdir,
                        "--include_imports", "-o", out, os.path.join(workdir, "a.proto")],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stderr.strip()
    return out, None


class Side:
    """One schema loaded into its own runtime pool."""

    def __init__(self, image):
        fds = descriptor_pb2.FileDescriptorSet.FromString(open(image, "rb").read())
        self.pool = descriptor_pool.DescriptorPool()
        for f in fds.file:
            self.pool.Add(f)

    def cls(self, name):
        return message_factory.GetMessageClass(self.pool.FindMessageTypeByName(name))

    def enum(self, full_name):
        try:
            return self.pool.FindEnumTypeByName(full_name)
        except KeyError:
            return None


def is_map(f):
    return f.type == FD.TYPE_MESSAGE and f.message_type.GetOptions().map_entry


def synthetic(f):
    o = f.containing_oneof
    return o is not None and len(o.fields) == 1 and o.name == "_" + f.name


def as_bytes(v):
    return v.encode("utf-8", "surrogatepass") if isinstance(v, str) else v


def value_eq(a, af, b, bf):
    """Two single values, each read with its own field's type."""
    a_msg = hasattr(a, "DESCRIPTOR")
    b_msg = hasattr(b, "DESCRIPTOR")
    if a_msg and b_msg:
        out = []
        diff(a, b, False, "", out)
        return not out
    if a_msg and isinstance(b, (bytes, str)):
        try:
            back = type(a).FromString(as_bytes(b))
        except Exception:
            return False
        out = []
        diff(a, back, False, "", out)
        return not out
    if b_msg and isinstance(a, (bytes, str)):
        return b.SerializeToString() == as_bytes(a)
    if isinstance(a, (bytes, str)) or isinstance(b, (bytes, str)):
        return isinstance(a, (bytes, str)) and isinstance(b, (bytes, str)) and as_bytes(a) == as_bytes(b)
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def shape(msg, f):
    """A field's contents: ('map', dict), ('list', [..]) or ('one', value, written)."""
    v = getattr(msg, f.name)
    if is_map(f):
        return ("map", {k: v[k] for k in v})
    if f.is_repeated:
        return ("list", list(v))
    if f.has_presence:
        return ("one", v, msg.HasField(f.name))
    # Without presence a zero is not written: it reads as unset.
    zero = f.default_value if f.type != FD.TYPE_MESSAGE else None
    return ("one", v, not value_eq(v, f, zero, f) if zero is not None else True)


def field_diff(w, wf, r, rf, path, out):
    p = path + wf.name
    try:
        ws, rs = shape(w, wf), shape(r, rf)
    except Exception as e:  # a value the runtime cannot show (invalid UTF-8 in a string)
        out.append(f"{p}: unreadable ({e})")
        return
    if ws[0] == "one" and rs[0] == "one":
        (_, a, aw), (_, b, bw) = ws, rs
        if not value_eq(a, wf, b, rf):
            out.append(f"{p}: {a!r} read as {b!r}")
        elif wf.has_presence and rf.has_presence and aw != bw:
            out.append(f"{p}: presence {aw} read as {bw}")
        return
    if ws[0] == "map" and rs[0] == "map":
        wm, rm = ws[1], rs[1]
        lost = len(wm) != len(rm)
        for k, v in wm.items():
            match = [rk for rk in rm if value_eq(k, None, rk, None)]
            lost = lost or not match or not value_eq(v, None, rm[match[0]], None)
        if lost:
            out.append(f"{p}: {wm!r} read as {rm!r}")
        return
    def as_list(s):
        return s[1] if s[0] == "list" else ([s[1]] if s[2] else [])

    if ws[0] == "map" or rs[0] == "map":
        out.append(f"{p}: {ws[1]!r} read as {rs[1]!r}")
        return
    a, b = as_list(ws), as_list(rs)
    if rs[0] == "one" and not rs[2] and len(a) == 1 and not rf.has_presence:
        b = [rs[1]]  # a zero written into a field without presence reads as unset
    if len(a) != len(b) or not all(value_eq(x, wf, y, rf) for x, y in zip(a, b)):
        out.append(f"{p}: {a!r} read as {b!r}")


def pair(wf, rd, by_json):
    if not by_json:
        return rd.fields_by_number.get(wf.number)
    for rf in rd.fields:
        if rf.json_name == wf.json_name or rf.name == wf.json_name:
            return rf
    return None


def has_value(msg, f):
    s = shape(msg, f)
    return bool(s[1]) if s[0] != "one" else s[2]


def diff(w, r, by_json, path, out):
    """What reader `r` sees differently from what writer `w` meant."""
    wd, rd = w.DESCRIPTOR, r.DESCRIPTOR
    reached = set()
    for wf in wd.fields:
        rf = pair(wf, rd, by_json)
        if rf is None:
            # Unknown to the reader: kept as unknown in binary (the relay checks it), ignored
            # in JSON, where it is lost only if the reader holds that number under another key.
            other = rd.fields_by_number.get(wf.number)
            if by_json and other is not None and has_value(w, wf):
                out.append(f"{path}{wf.name}: key {wf.json_name!r} ignored by the reader")
            continue
        reached.add(rf.number)
        field_diff(w, wf, r, rf, path, out)
    for rf in rd.fields:
        if rf.number not in reached and has_value(r, rf):
            out.append(f"{path}{rf.name}: the reader sees a value never written")


def read_binary(writer_cls, reader_cls, data, relay):
    """The loss a runtime reader shows on `data` (None: none)."""
    w = writer_cls.FromString(data)
    try:
        r = reader_cls.FromString(data)
    except Exception as e:
        return f"the reader fails to parse: {e}"
    if not r.IsInitialized():
        # Python parses a message missing required fields (and then refuses to serialize
        # it); the C++, Java and Go parsers refuse it outright.
        return f"the reader lacks required fields: {r.FindInitializationErrors()}"
    out = []
    diff(w, r, False, "", out)
    if out:
        return "; ".join(out)
    if relay:
        try:
            back = writer_cls.FromString(r.SerializeToString())
        except Exception as e:
            return f"relay: the writer fails to parse: {e}"
        diff(w, back, False, "", out)
        if out:
            return "relay: " + "; ".join(out)
    return None


def read_json(writer_cls, reader_cls, text):
    w = json_format.Parse(text, writer_cls())
    try:
        r = json_format.Parse(text, reader_cls(), ignore_unknown_fields=True)
    except Exception as e:
        return f"the reader fails to parse the JSON: {e}"
    if not r.IsInitialized():
        return f"the reader lacks required fields: {r.FindInitializationErrors()}"
    out = []
    diff(w, r, True, "", out)
    return "; ".join(out) or None


def spec_allows(desc, value):
    """Whether a JSON object holds, for each field `desc` knows, a JSON type the proto3 JSON
    mapping allows (numbers as numbers or strings, bools as bools, enums as names or
    integers, messages as objects...). Python's parser accepts more (`true` for a float or an
    enum, `""` for a message); the C++, Java and Go parsers do not."""
    if not isinstance(value, dict):
        return False
    for key, v in value.items():
        f = next((f for f in desc.fields if key in (f.json_name, f.name)), None)
        if f is None or v is None:
            continue
        if is_map(f):
            vf = f.message_type.fields_by_name["value"]
            items = list(v.values()) if isinstance(v, dict) else [None]
        elif f.is_repeated:
            vf, items = f, v if isinstance(v, list) else [None]
        else:
            vf, items = f, [v]
        if not all(value_allowed(vf, x) for x in items):
            return False
    return True


def value_allowed(f, v):
    t = f.type
    if t in (FD.TYPE_MESSAGE, FD.TYPE_GROUP):
        return spec_allows(f.message_type, v) or f.message_type.full_name.startswith("google.protobuf.")
    if t == FD.TYPE_BOOL:
        return isinstance(v, bool)
    if t == FD.TYPE_ENUM:
        if isinstance(v, float):
            return v.is_integer()
        return isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool))
    if t in (FD.TYPE_STRING, FD.TYPE_BYTES):
        return isinstance(v, str)
    if t in (FD.TYPE_FLOAT, FD.TYPE_DOUBLE):
        return isinstance(v, (int, float, str)) and not isinstance(v, bool)
    # Integers: a number without a fraction, or a string.
    if isinstance(v, bool):
        return False
    return isinstance(v, str) or isinstance(v, int) or (isinstance(v, float) and v.is_integer())


# ---- random messages -----------------------------------------------------------------------

EDGES = {
    FD.TYPE_INT32: [0, 1, -1, 2**31 - 1, -2**31, 150],
    FD.TYPE_SINT32: [0, 1, -1, 2**31 - 1, -2**31],
    FD.TYPE_SFIXED32: [0, 1, -1, 2**31 - 1, -2**31],
    FD.TYPE_INT64: [0, 1, -1, 2**63 - 1, -2**63, 2**31, -2**31 - 1, 2**53 + 1],
    FD.TYPE_SINT64: [0, -1, 2**63 - 1, -2**63, 2**31],
    FD.TYPE_SFIXED64: [0, -1, 2**63 - 1, -2**63, 2**32],
    FD.TYPE_UINT32: [0, 1, 2**32 - 1, 2**31],
    FD.TYPE_FIXED32: [0, 1, 2**32 - 1, 2**31],
    FD.TYPE_UINT64: [0, 1, 2**64 - 1, 2**63, 2**32],
    FD.TYPE_FIXED64: [0, 1, 2**64 - 1, 2**63, 2**32],
    FD.TYPE_BOOL: [False, True],
    FD.TYPE_FLOAT: [0.0, -0.0, 1.5, -1.0, float("nan"), float("inf"), float("-inf"), 3.0e38],
    FD.TYPE_DOUBLE: [0.0, -0.0, 1.5, float("nan"), float("inf"), 1e300, 16777217.0, 0.1],
    FD.TYPE_STRING: ["", "a", "é", "日本語", "😀", "\0", "a\nb"],
    FD.TYPE_BYTES: [b"", b"\xff", b"\xc3\x28", b"abc", "é".encode(), b"\x08\x96\x01"],
}


def random_scalar(f, rng, other):
    if f.type == FD.TYPE_ENUM:
        numbers = [v.number for v in f.enum_type.values]
        if not f.enum_type.is_closed:
            o = other.enum(f.enum_type.full_name)
            numbers += [v.number for v in o.values] if o else []
            numbers += [max(numbers) + 1, -1, 2**31 - 1, -2**31]
        return rng.choice(numbers)
    return rng.choice(EDGES[f.type])


def fill(msg, rng, other, depth):
    chosen_oneofs = set()
    for f in msg.DESCRIPTOR.fields:
        o = f.containing_oneof
        if o is not None and not synthetic(f):
            if o.name in chosen_oneofs or rng.random() < 0.5:
                continue
            chosen_oneofs.add(o.name)
        elif not f.is_required and rng.random() < 0.4:
            continue
        is_msg = f.type in (FD.TYPE_MESSAGE, FD.TYPE_GROUP)
        if is_map(f):
            kf, vf = f.message_type.fields_by_name["key"], f.message_type.fields_by_name["value"]
            m = getattr(msg, f.name)
            for _ in range(rng.randint(0, 3)):
                k = random_scalar(kf, rng, other)
                if vf.type == FD.TYPE_MESSAGE:
                    if depth > 0:
                        fill(m[k], rng, other, depth - 1)
                else:
                    m[k] = random_scalar(vf, rng, other)
        elif f.is_repeated:
            items = getattr(msg, f.name)
            for _ in range(rng.randint(0, 3)):
                if is_msg:
                    if depth > 0:
                        fill(items.add(), rng, other, depth - 1)
                else:
                    items.append(random_scalar(f, rng, other))
        elif is_msg:
            if depth > 0 or f.is_required:
                sub = getattr(msg, f.name)
                sub.SetInParent()
                fill(sub, rng, other, max(depth - 1, 0))
        else:
            setattr(msg, f.name, random_scalar(f, rng, other))


def search(writer, reader, name, rng, cases, json_too):
    """The runtime's own verdict: first loss per encoding, or None."""
    wc, rc = writer.cls(name), reader.cls(name)
    found = {"binary": None, "json": None}
    for _ in range(cases):
        m = wc()
        fill(m, rng, reader, 6)
        data = m.SerializeToString()
        if found["binary"] is None:
            found["binary"] = read_binary(wc, rc, data, relay=True)
        if json_too and found["json"] is None:
            try:
                text = json_format.MessageToJson(m)
            except Exception:
                continue
            found["json"] = read_json(wc, rc, text)
        if found["binary"] and (found["json"] or not json_too):
            break
    return found


# ---- the comparison ------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--protoguard", required=True)
    ap.add_argument("--cases", type=int, default=128, help="prover cases per type and direction")
    ap.add_argument("--runtime-cases", type=int, default=300, help="runtime search messages per direction")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", help="only mutations whose name contains this")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    tally = dict(mutations=0, cx=0, confirmed=0, real=0, found=0, false_alarms=0, missed=0,
                 lenient=0, runtime_alone=0)
    problems = []
    for name, old_text, new_text in mutations():
        if args.only and args.only not in name:
            continue
        if tally["mutations"] % 50 == 49:
            print(f"... {tally['mutations'] + 1} mutations", file=sys.stderr, flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            old_img, err1 = compile_image(os.path.join(tmp, "old"), old_text)
            new_img, err2 = compile_image(os.path.join(tmp, "new"), new_text)
            if err1 or err2:
                continue  # protoc rejects this combination (e.g. a proto3 enum's first value)
            tally["mutations"] += 1
            run = subprocess.run([args.protoguard, "prove", new_img, "--against", old_img,
                                  "--json", "--format", "json", "--cases", str(args.cases),
                                  "--seed", str(args.seed), "--message", "p.M"],
                                 capture_output=True, text=True)
            if run.returncode not in (0, 1):
                problems.append(f"{name}: protoguard exited {run.returncode}: {run.stderr.strip()}")
                continue
            report = json.loads(run.stdout)
            old, new = Side(old_img), Side(new_img)
            sides = {"old_readers_new_data": (new, old), "new_readers_old_data": (old, new)}
            for direction, (writer, reader) in sides.items():
                runtime = search(writer, reader, "p.M", rng, args.runtime_cases, json_too=True)
                for encoding in ("binary", "json"):
                    cxs = [c for c in report["counterexamples"]
                           if c["direction"] == direction and c["encoding"] == encoding]
                    confirmed = False
                    for c in cxs:
                        tally["cx"] += 1
                        wc, rc = writer.cls(c["message"]), reader.cls(c["message"])
                        if encoding == "binary":
                            loss = read_binary(wc, rc, bytes.fromhex(c["bytes_hex"]), relay=c["relay"])
                        else:
                            loss = read_json(wc, rc, c["json"])
                        if loss:
                            tally["confirmed"] += 1
                            confirmed = True
                        elif encoding == "json" and not spec_allows(
                                reader.pool.FindMessageTypeByName(c["message"]), json.loads(c["json"])):
                            # The prover's reader follows the JSON mapping; Python's is laxer.
                            tally["lenient"] += 1
                            problems.append(f"{name} [{direction}, {encoding}]: lenient runtime, "
                                            f"Python accepts JSON the mapping does not allow: {c['json']}")
                        else:
                            tally["false_alarms"] += 1
                            problems.append(f"{name} [{direction}, {encoding}]: FALSE ALARM, the runtime "
                                            f"reads the prover's counterexample intact: {c['input']!r} "
                                            f"{c['bytes_hex'] if encoding == 'binary' else c['json']}")
                    real = confirmed or runtime[encoding] is not None
                    if real:
                        tally["real"] += 1
                        tally["runtime_alone"] += runtime[encoding] is not None
                        if cxs:
                            tally["found"] += 1
                        else:
                            tally["missed"] += 1
                            problems.append(f"{name} [{direction}, {encoding}]: MISSED, the runtime "
                                            f"finds {runtime[encoding]}")
    for p in problems:
        print(p)
    print(f"mutations: {tally['mutations']}; prover counterexamples confirmed real by the runtime: "
          f"{tally['confirmed']} of {tally['cx']}; real problems found by the prover: "
          f"{tally['found']} of {tally['real']} (the runtime's own random search found "
          f"{tally['runtime_alone']} of them); false alarms: {tally['false_alarms']}; "
          f"missed: {tally['missed']}; counterexamples only Python's lax JSON parser reads: "
          f"{tally['lenient']}")
    sys.exit(1 if tally["false_alarms"] or tally["missed"] else 0)


if __name__ == "__main__":
    main()
