#!/usr/bin/env python3
"""Layering check (docs/design.md section 1): every source file and every header of the tree
is mapped to a layer, and every #include is checked against what that layer may use.

    scripts/check-layers.py [SOURCE_DIR]      (default: the tree this script is in)

Fails (exit 1) naming FILE:LINE, the two layers and the header when
  - a file includes a header of a layer above it (or of a layer beside it that it may not
    use, e.g. client/ including server/'s cpu.h);
  - a file outside the engines includes a net/ header (net/ is used only by the engines);
  - plant/ includes a system header other than the C standard library;
  - a file or a public header is in no layer of the table (add it to the table).
Directories that do not exist yet (plant/, config/, exchange/, guard/, examples/) are in the
table already: their rules hold the day they appear.  tests/, fuzz/ and bench/ look at every
layer on purpose and may include anything.  Exit 2: usage error."""
import os
import re
import sys

# Layers, lowest first: (name, rank, layers it may include besides itself).
#   rank only orders the messages ("above it" / "beside it"); the sets decide.
LIB = ["util", "wire", "tag", "plant", "conn", "client", "server", "diag", "exchange", "guard"]
LAYERS = {
    "util":     (0, []),
    "wire":     (1, ["util"]),
    "tag":      (2, ["util", "wire"]),
    "plant":    (3, ["util", "wire", "tag"]),
    "conn":     (3, ["util", "wire", "tag"]),
    "net":      (3, ["util"]),
    "client":   (4, ["util", "wire", "tag", "conn", "net"]),
    "server":   (4, ["util", "wire", "tag", "conn", "net"]),
    "diag":     (5, ["util", "wire", "tag", "plant", "conn", "net", "client", "server"]),
    "exchange": (5, ["util", "wire", "tag", "plant", "conn", "net", "client", "server"]),
    "guard":    (5, ["util", "wire", "tag", "plant", "conn", "net", "client", "server"]),
    "config":   (6, LIB),
    "tools":    (7, LIB + ["config"]),
    "examples": (7, LIB + ["config"]),
    "test":     (8, None),  # tests/, fuzz/, bench/: anything
}
ENGINES = {"client", "server", "diag", "exchange", "guard"}

# Source directories -> layer (a directory that does not exist is simply not visited).
DIRS = {
    "util": "util", "wire": "wire", "tag": "tag", "plant": "plant", "conn": "conn",
    "net": "net", "client": "client", "server": "server", "diag": "diag",
    "exchange": "exchange", "guard": "guard", "config": "config",
    "tools": "tools", "examples": "examples",
    "tests": "test", "fuzz": "test", "bench": "test",
}

# Public headers include/s7/NAME -> layer; first matching pattern wins.
PUBLIC = [
    (r"err\.h|log\.h|version\.h|alloc\.h", "util"),
    (r"wire\.h", "wire"),
    (r"tag\.h", "tag"),
    (r"plant_check\.h", "diag"),  # the live inventory check (diag/plant_check.c)
    (r"(plant|inventory|firewall|report)[a-z_]*\.h", "plant"),
    (r"conn\.h", "conn"),
    (r"net\.h|transport\.h", "net"),
    (r"client\.h|explain\.h", "client"),
    (r"(cpu|server|audit|retain|profile)[a-z_]*\.h", "server"),
    (r"(diag|doctor|check)[a-z_]*\.h", "diag"),
    (r"exchange[a-z_]*\.h", "exchange"),
    (r"guard[a-z_]*\.h", "guard"),
    (r"(config|yaml)[a-z_]*\.h", "config"),
]

# The C standard library (C11): all plant/ may include besides lower layers.
LIBC = {
    "assert.h", "complex.h", "ctype.h", "errno.h", "fenv.h", "float.h", "inttypes.h",
    "iso646.h", "limits.h", "locale.h", "math.h", "setjmp.h", "signal.h", "stdalign.h",
    "stdarg.h", "stdatomic.h", "stdbool.h", "stddef.h", "stdint.h", "stdio.h", "stdlib.h",
    "stdnoreturn.h", "string.h", "tgmath.h", "threads.h", "time.h", "uchar.h", "wchar.h",
    "wctype.h",
}

SKIP_DIRS = {"node_modules", "CMakeFiles", "corpus", "vectors"}
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def public_layer(name):
    for pat, layer in PUBLIC:
        if re.fullmatch(pat, name):
            return layer
    return None


def layer_of(rel):
    """Layer of a file by its path relative to the root (None: not in the table)."""
    parts = rel.split("/")
    if parts[0] == "include":
        if len(parts) == 3 and parts[1] == "s7":
            return public_layer(parts[2])
        return None
    return DIRS.get(parts[0])


def source_files(root):
    for top in sorted(os.listdir(root)):
        path = os.path.join(root, top)
        if top.startswith(".") or top.startswith("build") or top in SKIP_DIRS:
            continue
        if os.path.isfile(path):
            if top.endswith((".c", ".h", ".cpp")):
                yield top
            continue
        for d, subdirs, files in os.walk(path):
            subdirs[:] = sorted(s for s in subdirs
                                if s not in SKIP_DIRS and not s.startswith((".", "build")))
            for f in sorted(files):
                if f.endswith((".c", ".h", ".cpp")):
                    yield os.path.relpath(os.path.join(d, f), root).replace(os.sep, "/")


def resolve(root, rel, quote, name):
    """The tree file an include names (relative path), or None for a system header."""
    cands = []
    if quote == '"':
        cands.append(os.path.normpath(os.path.join(os.path.dirname(rel), name)))
        cands.append(os.path.normpath(name))
    cands.append(os.path.normpath(os.path.join("include", name)))
    for c in cands:
        c = c.replace(os.sep, "/")
        if not c.startswith("..") and os.path.isfile(os.path.join(root, c)):
            return c
    # a public header generated into the build tree (s7/version.h from version.h.in)
    if name.startswith("s7/") and "/" not in name[3:] and \
            os.path.isfile(os.path.join(root, "include", name + ".in")):
        return "include/" + name
    return None


def check(root):
    errors = []
    for rel in source_files(root):
        layer = layer_of(rel)
        if layer is None:
            errors.append("%s:1: not in any layer of the table in scripts/check-layers.py "
                          "(add its directory or public header there)" % rel)
            continue
        rank, allowed = LAYERS[layer]
        try:
            with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
                lines = f.readlines()
        except OSError as e:
            errors.append("%s:1: cannot read: %s" % (rel, e))
            continue
        for no, line in enumerate(lines, 1):
            m = INCLUDE_RE.match(line)
            if not m:
                continue
            quote, name = m.group(1), m.group(2)
            target = resolve(root, rel, quote, name)
            if target is None:
                if layer == "plant" and name not in LIBC:
                    errors.append("%s:%d: plant includes <%s>: the plant model uses the C "
                                  "standard library and lower layers only" % (rel, no, name))
                continue
            tlayer = layer_of(target)
            if tlayer is None:
                continue  # reported for the header itself
            if tlayer == layer or allowed is None:
                continue
            if tlayer == "net" and layer not in ENGINES:
                errors.append("%s:%d: %s includes %s of net: net/ is used only by the engines "
                              "(%s)" % (rel, no, layer, target, ", ".join(sorted(ENGINES))))
                continue
            if tlayer in allowed:
                continue
            trank = LAYERS[tlayer][0]
            where = "above it" if trank > rank else "beside it" if trank == rank else "not allowed"
            errors.append("%s:%d: %s includes %s of %s, a layer %s (%s may use: %s)"
                          % (rel, no, layer, target, tlayer, where, layer,
                             ", ".join(allowed) if allowed else "nothing else"))
    return errors


def main(argv):
    if len(argv) > 2 or (len(argv) == 2 and argv[1] in ("-h", "--help")):
        sys.stderr.write(__doc__)
        return 2
    root = argv[1] if len(argv) == 2 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if not os.path.isdir(os.path.join(root, "include", "s7")):
        sys.stderr.write("check-layers: %s has no include/s7: not an s7kit tree\n" % root)
        return 2
    errors = check(root)
    for e in errors:
        print(e)
    n = sum(1 for _ in source_files(root))
    if errors:
        print("check-layers: %d violation(s) in %d files" % (len(errors), n))
        return 1
    print("check-layers: %d files, every include points down" % n)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
