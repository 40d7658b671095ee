#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""CLI error handling of `uxdp test-run` and `uxdp prog`: bad input gets a clear
message that names the place, a non-zero exit, and no crash or sanitizer report.

usage: test_cli.py CASE UXDP GOOD_OBJ BAD_HELPER_OBJ PCAP WORKDIR
"""
import json
import os
import subprocess
import sys

CASE, UXDP, GOOD, BAD_HELPER, PCAP, WORK = sys.argv[1:7]
os.makedirs(WORK, exist_ok=True)


def run(*args):
    p = subprocess.run([UXDP, *args], capture_output=True, text=True, timeout=60)
    out = p.stdout + p.stderr
    for marker in ("AddressSanitizer", "LeakSanitizer", "runtime error:", "Segmentation"):
        if marker in out:
            sys.exit(f"FAIL: sanitizer/crash report for {args}:\n{out}")
    return p.returncode, out


def expect(args, code, *fragments):
    rc, out = run(*args)
    if rc != code:
        sys.exit(f"FAIL: {args}: exit {rc}, want {code}\n{out}")
    for f in fragments:
        if f not in out:
            sys.exit(f"FAIL: {args}: output lacks {f!r}:\n{out}")
    print(f"ok: {' '.join(args)} -> exit {rc}")


def write(name, content, mode="w"):
    path = os.path.join(WORK, name)
    with open(path, mode) as f:
        f.write(content)
    return path


def case_usage():
    expect(["test-run", GOOD], 2, "--in IN.pcap is required")
    expect(["test-run", "--in", PCAP], 2, "missing OBJECT.o")
    expect(["test-run", GOOD, "--in", PCAP, "--engine", "fast"], 2, "--engine: 'fast'")
    expect(["test-run", GOOD, "--in", PCAP, "--repeat", "x"], 2, "--repeat: 'x' is not a number")
    expect(["test-run", GOOD, "--in", PCAP, "--cpus", "0"], 2, "--cpus")
    expect(["no-such-verb"], 2, "unknown verb 'no-such-verb'")


def case_missing_files():
    expect(["test-run", os.path.join(WORK, "nope.o"), "--in", PCAP], 1, "nope.o")
    expect(["test-run", GOOD, "--in", os.path.join(WORK, "nope.pcap")], 1, "--in", "nope.pcap")
    notpcap = write("not.pcap", "this is not a capture file\n")
    expect(["test-run", GOOD, "--in", notpcap], 1, "--in " + notpcap)


def case_truncated_elf():
    data = open(GOOD, "rb").read()
    for n in (0, 10, 63, 64, 200, len(data) // 2, len(data) - 1):
        path = write(f"trunc{n}.o", data[:n], "wb")
        expect(["test-run", path, "--in", PCAP], 1, f"cannot load {path}")


def case_unknown_helper():
    expect(["test-run", BAD_HELPER, "--in", PCAP], 1,
           "helper 14 (bpf_get_current_pid_tgid)", "insn ", "cannot load",
           "bpf_get_current_pid_tgid() == 42", "bad_helper.bpf.c:13")


def case_source_lines():
    # a verifier refusal quotes the C line (from .BTF.ext) of the bad access
    bad = os.environ["UXDP_LINES_BAD_OBJ"]
    expect(["verify", bad], 1, "invalid access to packet",
           "return p[20] == 0x45 ? XDP_DROP : XDP_PASS;", "ld_lines_bad_sub.bpf.c:19")
    expect(["test-run", bad, "--in", PCAP], 1, "ld_lines_bad_sub.bpf.c:19", "cannot load")
    # and --log-level 2 shows the lines of a good object, its subprogram's included
    expect(["verify", os.environ["UXDP_LINES_GOOD_OBJ"], "--log-level", "2"], 0,
           "; \tcounter += a * 7; /* lines_long bookkeeping */ (",
           "return (x ^ 0x5a) + 17; /* shared_sub body */ (", "ld_lines_good.bpf.c:14)")


def case_unknown_prog():
    expect(["test-run", GOOD, "--prog", "nope", "--in", PCAP], 1, "no program 'nope'",
           "xdp_drop")


def case_bad_maps_in():
    bad_json = write("bad.json", '{"cnt": [ {"key": "00" ')
    expect(["test-run", GOOD, "--in", PCAP, "--maps-in", bad_json], 1, bad_json + ":1:")
    unknown = write("unknown.json", json.dumps({"no_such_map": []}))
    expect(["test-run", GOOD, "--in", PCAP, "--maps-in", unknown], 1,
           "map 'no_such_map': the object has no map of that name")


def case_bad_maps_in_fields():
    # flow_count's maps come from tests/progs; use the first array map the object has
    rc, out = run("prog", "list", MAPS_OBJ)
    if rc:
        sys.exit(f"FAIL: prog list {MAPS_OBJ}: {out}")
    name = None
    for line in out.splitlines():
        parts = line.split()
        if parts[:1] == ["map"] and parts[3] == "2":   # BPF_MAP_TYPE_ARRAY
            name = parts[1]
            key, value = int(parts[5]), int(parts[7])
            break
    if not name:
        sys.exit(f"FAIL: no array map in {MAPS_OBJ}:\n{out}")
    short_key = write("short_key.json", json.dumps({name: [{"key": "00", "value": "00" * value}]}))
    expect(["test-run", MAPS_OBJ, "--in", PCAP, "--maps-in", short_key], 1,
           f"map '{name}' entry 0: field \"key\" must be {key} bytes of hex")
    bad_val = write("bad_val.json", json.dumps({name: [{"key": "00" * key, "value": "zz"}]}))
    expect(["test-run", MAPS_OBJ, "--in", PCAP, "--maps-in", bad_val], 1,
           f"map '{name}' entry 0: field \"value\" must be {value} bytes of hex")
    out_of_range = write("oor.json", json.dumps({name: [{"key": "ff" * key, "value": "00" * value}]}))
    expect(["test-run", MAPS_OBJ, "--in", PCAP, "--maps-in", out_of_range], 1,
           f"map '{name}' entry 0: update failed")


MAPS_OBJ = os.environ.get("UXDP_MAPS_OBJ", GOOD)
CASES = {k[len("case_"):]: v for k, v in globals().items() if k.startswith("case_")}
if CASE not in CASES:
    sys.exit(f"unknown case {CASE}; have {', '.join(CASES)}")
CASES[CASE]()
