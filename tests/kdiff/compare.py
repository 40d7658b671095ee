#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Kernel-differential comparison of one (object, program, pcap) case.

Runs tests/kdiff/kernel_run (the object in the running kernel through
BPF_PROG_TEST_RUN) and `uxdp test-run --json` (the object in uxdp) on the same
packets and map seeds, and compares the two JSON results:

  packets  per packet: error presence, else action, length and output bytes
  maps     same names; same key sets; same values. Hash-like maps are compared
           as sets sorted by key. Maps named nd_* hold nondeterministic values:
           key sets and value lengths only. Maps whose values are IDs
           (prog_array, map-in-map, devmap, devmap_hash, cpumap, xskmap):
           key sets only.
  events   compared per stream, in order: trace_printk texts, and the records
           of each ringbuf / perf_event_array map (the kernel pads perf raw
           samples to 8 bytes: the padding is not compared). A program can
           declare streams with nondeterministic content in NAME.kdiff.json
           ({"nd_events": ["ringbuf:MAP", "perf_event:MAP", "trace_printk"]}):
           then only the record count and lengths are compared.

Exit status: 0 same, 1 different (a readable diff is printed), 77 skipped
(not root / no BPF), but under CI=true a skip is a failure (exit 1).
"""
import argparse
import json
import os
import subprocess
import sys


SKIP = 77
ID_VALUED = {"prog_array", "array_of_maps", "hash_of_maps", "devmap", "devmap_hash", "cpumap",
             "xskmap"}


def possible_cpus():
    """Number of possible CPUs, as libbpf_num_possible_cpus() counts them."""
    try:
        with open("/sys/devices/system/cpu/possible", encoding="ascii") as f:
            text = f.read().strip()
    except OSError:
        return os.cpu_count() or 1
    n = 0
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        n = max(n, int(hi or lo) + 1)
    return n


def skip(msg):
    if os.environ.get("CI") == "true":
        print("FAIL (CI=true, skipping not allowed): " + msg)
        sys.exit(1)
    print("SKIP: " + msg)
    sys.exit(SKIP)


def run_json(cmd, what):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300,
                           check=False)
    except FileNotFoundError:
        return None, "%s: %s not found" % (what, cmd[0])
    except subprocess.TimeoutExpired:
        return None, "%s: timed out: %s" % (what, " ".join(cmd))
    err = p.stderr.decode(errors="replace").strip()
    if p.returncode == SKIP and what == "kernel":
        skip("kernel side unavailable: " + err)
    if p.returncode != 0:
        return None, "%s exited with %d: %s\n  command: %s" % (what, p.returncode, err,
                                                             " ".join(cmd))
    try:
        return json.loads(p.stdout.decode()), err
    except ValueError as e:
        return None, "%s printed invalid JSON (%s): %r" % (what, e, p.stdout[:300])


def load_descriptions(pcap):
    desc = {}
    try:
        with open(pcap + ".txt", encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip("\n").split(" ", 2)
                if len(parts) == 3:
                    desc[int(parts[0])] = "%s bytes, %s" % (parts[1], parts[2])
    except OSError:
        pass
    return desc


def hexdiff(a, b, width=16):
    """Describe where two hex strings differ, with a little context."""
    ba, bb = bytes.fromhex(a), bytes.fromhex(b)
    n = min(len(ba), len(bb))
    first = next((i for i in range(n) if ba[i] != bb[i]), n)
    start = max(0, first - 4)
    end = start + width
    diffs = [i for i in range(n) if ba[i] != bb[i]]
    s = "first difference at byte %d (%d bytes differ" % (first, len(diffs))
    if len(ba) != len(bb):
        s += ", lengths %d vs %d" % (len(ba), len(bb))
    s += ")\n        kernel[%d:]: %s\n        uxdp  [%d:]: %s" % (
        start, ba[start:end].hex(" "), start, bb[start:end].hex(" "))
    return s


class Diff:
    def __init__(self):
        self.lines = []

    def add(self, msg):
        self.lines.append(msg)


def compare_packets(kp, up, desc, d):
    if len(kp) != len(up):
        d.add("packets: kernel reports %d, uxdp %d" % (len(kp), len(up)))
    for k, u in zip(kp, up):
        i = k.get("index")
        name = "packet %s (%s)" % (i, desc.get(i, "?"))
        if "error" in k or "error" in u:
            if ("error" in k) != ("error" in u):
                d.add("%s: kernel %s, uxdp %s" % (
                    name, "error %r" % k["error"] if "error" in k else "action %s" % k.get(
                        "action"),
                    "error %r" % u["error"] if "error" in u else "action %s len %s" % (
                        u.get("action"), u.get("len"))))
            continue
        problems = []
        if k.get("action") != u.get("action"):
            problems.append("action: kernel %s (%s), uxdp %s (%s)" % (
                k.get("action"), k.get("action_name"), u.get("action"), u.get("action_name")))
        if k.get("len") != u.get("len"):
            problems.append("len: kernel %s, uxdp %s" % (k.get("len"), u.get("len")))
        if k.get("data") != u.get("data"):
            problems.append("data: " + hexdiff(k.get("data", ""), u.get("data", "")))
        for p in problems:
            d.add("%s: %s" % (name, p))


def entries_by_key(entries):
    out = {}
    for e in entries:
        out[e.get("key")] = e.get("values", e.get("value"))
    return out


def vlen(v):
    if isinstance(v, list):
        return [len(x) // 2 for x in v]
    return len(v) // 2 if isinstance(v, str) else None


def compare_maps(km, um, info, d):
    for name in sorted(set(km) | set(um)):
        if name not in um:
            d.add("map %s: missing in uxdp (kernel has %d entries)" % (name, len(km[name])))
            continue
        if name not in km:
            d.add("map %s: only in uxdp (%d entries)" % (name, len(um[name])))
            continue
        mtype = info.get(name, {}).get("type", "?")
        ke, ue = entries_by_key(km[name]), entries_by_key(um[name])
        kk, uk = set(ke), set(ue)
        if kk != uk:
            only_k = sorted(kk - uk)
            only_u = sorted(uk - kk)
            msg = "map %s (%s): key sets differ" % (name, mtype)
            if only_k:
                msg += "\n        only in kernel (%d): %s" % (len(only_k), " ".join(only_k[:8]))
            if only_u:
                msg += "\n        only in uxdp   (%d): %s" % (len(only_u), " ".join(only_u[:8]))
            d.add(msg)
        if mtype in ID_VALUED:
            continue
        nd = name.startswith("nd_")
        bad = 0
        for key in sorted(kk & uk):
            kv, uv = ke[key], ue[key]
            same = vlen(kv) == vlen(uv) if nd else kv == uv
            if same:
                continue
            bad += 1
            if bad > 6:
                continue
            if nd:
                d.add("map %s (%s) key %s: value sizes differ: kernel %s, uxdp %s" % (
                    name, mtype, key, vlen(kv), vlen(uv)))
            elif isinstance(kv, list) or isinstance(uv, list):
                d.add("map %s (%s) key %s: per-CPU values differ\n        kernel %s\n"
                      "        uxdp   %s" % (name, mtype, key, kv, uv))
            else:
                d.add("map %s (%s) key %s: value %s" % (name, mtype, key,
                                                        hexdiff(kv or "", uv or "")))
        if bad > 6:
            d.add("map %s: ... %d more differing entries" % (name, bad - 6))


def streams(events):
    out = {}
    for e in events:
        t = e.get("type")
        key = t if t == "trace_printk" else "%s:%s" % (t, e.get("map"))
        out.setdefault(key, []).append(e)
    return out


def perf_equal(k, u):
    """Kernel raw samples are padded so that size + 4 is a multiple of 8."""
    kb, ub = bytes.fromhex(k), bytes.fromhex(u)
    return kb[:len(ub)] == ub and len(kb) == ((len(ub) + 4 + 7) & ~7) - 4


def compare_events(kev, uev, nd_streams, d):
    ks, us = streams(kev), streams(uev)
    for s in sorted(set(ks) | set(us)):
        ka, ua = ks.get(s, []), us.get(s, [])
        if len(ka) != len(ua):
            d.add("events %s: kernel emitted %d, uxdp %d" % (s, len(ka), len(ua)))
        bad = 0
        for n, (k, u) in enumerate(zip(ka, ua)):
            if s == "trace_printk":
                same = (len(k["text"]) == len(u.get("text", ""))) if s in nd_streams else \
                    k["text"] == u.get("text")
                what = "kernel %r, uxdp %r" % (k["text"], u.get("text"))
            else:
                kd, ud = k.get("data", ""), u.get("data", "")
                if s in nd_streams:
                    same = len(kd) == len(ud) or (s.startswith("perf_event") and
                                                  len(bytes.fromhex(kd)) ==
                                                  ((len(ud) // 2 + 11) & ~7) - 4)
                elif s.startswith("perf_event"):
                    same = perf_equal(kd, ud) and k.get("cpu") == u.get("cpu")
                else:
                    same = kd == ud
                what = hexdiff(kd, ud)
                if s.startswith("perf_event") and k.get("cpu") != u.get("cpu"):
                    what = "cpu: kernel %s, uxdp %s; " % (k.get("cpu"), u.get("cpu")) + what
            if not same:
                bad += 1
                if bad <= 6:
                    d.add("events %s #%d: %s" % (s, n, what))
        if bad > 6:
            d.add("events %s: ... %d more differing records" % (s, bad - 6))


def main():
    ap = argparse.ArgumentParser(description="compare kernel and uxdp on one XDP program")
    ap.add_argument("object")
    ap.add_argument("--prog")
    ap.add_argument("--in", dest="pcap", required=True)
    ap.add_argument("--maps-in")
    ap.add_argument("--spec", help="NAME.kdiff.json with per-program options")
    ap.add_argument("--kernel-run", required=True)
    ap.add_argument("--uxdp", required=True)
    ap.add_argument("--engine", action="append",
                    help="uxdp engine(s) to run (repeatable; 'default' = no --engine flag)")
    ap.add_argument("--save-dir", help="write both JSON results here")
    args = ap.parse_args()
    engines = args.engine or ["interp", "jit", "default"]
    spec = {}
    if args.spec and os.path.exists(args.spec):
        with open(args.spec, encoding="utf-8") as f:
            spec = json.load(f)
    nd_streams = set(spec.get("nd_events", []))

    if os.geteuid() != 0:
        skip("needs root for BPF_PROG_TEST_RUN (kernel side of the comparison)")
    if not os.path.exists(args.kernel_run):
        print("FAIL: kernel_run not built at %s" % args.kernel_run)
        return 1

    common = [args.object, "--in", args.pcap, "--json"]
    if args.prog:
        common += ["--prog", args.prog]
    if args.maps_in:
        common += ["--maps-in", args.maps_in]
    kern, kerr = run_json([args.kernel_run] + common, "kernel")
    if kern is None:
        print("FAIL: " + kerr)
        return 1
    if not os.path.exists(args.uxdp):
        print("FAIL: uxdp CLI not found at %s (not built yet?)" % args.uxdp)
        return 1

    desc = load_descriptions(args.pcap)
    tag = os.path.basename(args.object).replace(".bpf.o", "") + (
        "." + args.prog if args.prog else "")
    if args.save_dir:
        os.makedirs(args.save_dir, exist_ok=True)
        with open(os.path.join(args.save_dir, tag + ".kernel.json"), "w") as f:
            json.dump(kern, f, indent=1)
    failed = False
    ncpus = kern.get("possible_cpus") or possible_cpus()
    for engine in engines:
        cmd = [args.uxdp, "test-run"] + common + ["--cpus", str(ncpus)]
        if engine != "default":
            cmd += ["--engine", engine]
        ux, uerr = run_json(cmd, "uxdp")
        label = "%s [uxdp engine %s]" % (tag, engine)
        if ux is None:
            print("FAIL %s: %s" % (label, uerr))
            failed = True
            continue
        if args.save_dir:
            with open(os.path.join(args.save_dir, "%s.uxdp-%s.json" % (tag, engine)), "w") as f:
                json.dump(ux, f, indent=1)
        d = Diff()
        compare_packets(kern.get("packets", []), ux.get("packets", []), desc, d)
        compare_maps(kern.get("maps", {}), ux.get("maps", {}), kern.get("map_info", {}), d)
        compare_events(kern.get("events", []), ux.get("events", []), nd_streams, d)
        if d.lines:
            failed = True
            print("FAIL %s: %d differences (kernel vs uxdp)" % (label, len(d.lines)))
            for line in d.lines:
                print("  - " + line)
            print("  reproduce: %s" % " ".join(cmd))
        else:
            print("ok %s: %d packets, %d maps, %d events agree" % (
                label, len(kern.get("packets", [])), len(kern.get("maps", {})),
                len(kern.get("events", []))))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
