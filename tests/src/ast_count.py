#!/usr/bin/env python3
# The independent count for tests/src: reads `clang -Xclang -ast-dump=json
# -fsyntax-only FILE` on stdin and prints, for the declarations written in
# FILE (argv[1]), one line per call whose callee is a function
# ("call NAME") and per function named other than as a callee ("address
# NAME"). errno's __errno_location and compiler builtins are left out,
# as parakit src leaves them. clang's JSON names a location's file only
# when it differs from the previous location written, so the walk keeps
# the last file seen, in document order.
import json
import os
import sys

main = os.path.realpath(sys.argv[1])
cur = None
out = []


def see(loc):
    global cur
    parts = [loc[k] for k in ("spellingLoc", "expansionLoc") if k in loc] or [loc]
    for p in parts:
        if "file" in p:
            cur = p["file"]


def callee_ref(call):
    n = (call.get("inner") or [None])[0]
    while n and n.get("kind") in ("ImplicitCastExpr", "ParenExpr"):
        n = (n.get("inner") or [None])[0]
    if n and n.get("kind") == "DeclRefExpr" and n["referencedDecl"].get("kind") == "FunctionDecl":
        return n
    return None


def counted(name):
    return name != "__errno_location" and not name.startswith("__builtin_")


def walk(n, callees, ours):
    for k, v in n.items():
        if k == "loc":
            see(v)
        elif k == "range":
            see(v["begin"])
            see(v["end"])
    if ours:
        if n.get("kind") == "CallExpr":
            ref = callee_ref(n)
            if ref is not None:
                callees.add(id(ref))
                name = ref["referencedDecl"]["name"]
                if counted(name):
                    out.append("call " + name)
        elif n.get("kind") == "DeclRefExpr" and id(n) not in callees:
            d = n["referencedDecl"]
            if d.get("kind") == "FunctionDecl" and counted(d["name"]):
                out.append("address " + d["name"])
    for c in n.get("inner", []):
        walk(c, callees, ours)


tu = json.load(sys.stdin)
for decl in tu.get("inner", []):
    before = cur
    if "loc" in decl:
        see(decl["loc"])
    ours = cur is not None and os.path.realpath(cur) == main
    cur = before
    walk(decl, set(), ours)
print("\n".join(sorted(out)))
