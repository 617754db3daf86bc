#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0+
"""The table of a run.sh run, from the guest's "@@ " lines.

report.py WORKDIR TOLERANCE

WORKDIR holds guest.txt (the guest's console), pairs (one pair name a
line), NAME.json, NAME.a.json and NAME.b.json (dump.erofs --ishare-report
of both images and of each alone), with --forge forge.* from the host,
and with layer stacks stack-groups (one group a line) and
initrd/stacks/GROUP/report.json (dump.erofs --ishare-report --stack).
Prints one line per pair, one per stack group (reading every file, and
running the application of a --stack-debian group), the
forged-fingerprint section and "result: PASS" or "FAIL"; exits 0 or 1.
"""
import json, os, sys
work, tol = sys.argv[1], float(sys.argv[2])
res, checks, life, bad = {}, {}, {}, 0
for line in open(os.path.join(work, "guest.txt")):
    f = line.split()
    if not f or f[0] != "@@":
        continue
    if f[1] == "RESULT":
        res[(f[2], f[3])] = int(f[4])
    elif f[1] == "CHECK":
        checks[(f[2], f[3])] = f[4]
    elif f[1] == "LIFETIME":
        life[f[2]] = (f[3], int(f[4]))
    elif f[1] == "FAIL":
        print("guest: " + " ".join(f[2:]))
        bad = 1
names = open(os.path.join(work, "pairs")).read().split() \
    if os.path.exists(os.path.join(work, "pairs")) else []
w = max([22] + [len(n) for n in names])
hdr = "%-*s %9s %9s %9s %9s %9s %9s %8s  %s" % (
    w, "pair", "data MiB", "imgs MiB", "without", "with", "measured", "ideal", "loop", "checks")
# a run of --forge alone has no pairs, hence no table
if names:
    print(hdr)
    print("-" * len(hdr))
for n in names:
    rep = json.load(open(os.path.join(work, n + ".json")))
    ideal = rep["total"]["saved_percent"]
    size = sum(i["bytes"] for i in rep["images"]) / 1048576
    # the images as made (compressed or not), when still there
    imgs = [os.path.join(work, "initrd", "pairs", n, i + ".img") for i in "ab"]
    isize = sum(os.path.getsize(i) for i in imgs if os.path.exists(i)) / 1048576
    wo, wi = res.get((n, "without")), res.get((n, "with"))
    lo = res.get((n, "with-loop"))
    if not wo or wi is None:
        print("%-*s no result" % (w, n))
        bad = 1
        continue
    meas = 100.0 * (wo - wi) / wo
    loop = 100.0 * (wo - lo) / wo if lo is not None else float("nan")
    ok = [checks.get((n, k)) == "ok"
          for k in ("without", "with", "with-loop", "two-domains", "modes")]
    # images of two domains share only within each image
    two = res.get((n, "two-domains"))
    alone = sum(json.load(open(os.path.join(work, "%s.%s.json" % (n, i))))
                ["total"]["page_cache_bytes_with"] for i in "ab") // 1024
    apart = two is not None and abs(two - alone) <= max(64, alone // 200)
    lt = life.get(n, ("?", 0))
    # after the last unmount, at most a few pages may stay behind
    lt_ok = lt[0] == "ok" and lt[1] <= 64
    good = all(ok) and lt_ok and apart and abs(meas - ideal) <= tol and \
        abs(loop - ideal) <= tol
    bad |= not good
    print("%-*s %9.1f %9.1f %7.1fMi %7.1fMi %8.2f%% %8.2f%% %7.2f%%  %s" % (
        w, n, size, isize, wo / 1024, wi / 1024, meas, ideal, loop,
        "ok" if good else "FAIL (bytes %s, unmount %s/%d KiB left, "
        "two domains %s KiB, expected %d)" % (
            "ok" if all(ok) else "WRONG", lt[0], lt[1], two, alone)))
# layer stacks: reading every file of every merged view, and running
# the application from both views of a --stack-debian group
groups = open(os.path.join(work, "stack-groups")).read().split() \
    if os.path.exists(os.path.join(work, "stack-groups")) else []
sres, schk, srun, apps = {}, {}, {}, {}
for line in open(os.path.join(work, "guest.txt")):
    f = line.split()
    if len(f) < 5 or f[0] != "@@":
        continue
    if f[1] == "SRESULT":
        sres[(f[2], f[3])] = int(f[4])
    elif f[1] == "SCHECK":
        schk[(f[2], f[3])] = f[4]
    elif f[1] == "SRUN" and len(f) >= 7:
        srun[(f[2], f[3])] = (int(f[4]), f[5], int(f[6]))
    elif f[1] == "APP":
        apps.setdefault(f[2], []).append(f[4])
if groups:
    w = max([22] + [len(g) for g in groups])
    if names:
        print()
    hdr = "%-*s %6s %9s %9s %9s %9s %9s %9s  %s" % (
        w, "stacks (read all)", "files", "data MiB", "predicted",
        "without", "with", "measured", "predicted", "checks")
    print(hdr)
    print("-" * len(hdr))
for g in groups:
    rep = json.load(open(os.path.join(work, "initrd", "stacks", g,
                                      "report.json")))
    t = rep["total"]
    wo, wi = sres.get((g, "without")), sres.get((g, "with"))
    if not wo or wi is None:
        print("%-*s no result" % (w, g))
        bad = 1
        continue
    meas = 100.0 * (wo - wi) / wo
    ok = schk.get((g, "without")) == "ok" and schk.get((g, "with")) == "ok"
    good = ok and abs(meas - t["saved_percent"]) <= tol
    bad |= not good
    print("%-*s %6d %9.1f %7.1fMi %7.1fMi %7.1fMi %8.2f%% %8.2f%%  %s" % (
        w, g, t["files"], t["bytes"] / 1048576,
        t["page_cache_bytes_without"] / 1048576, wo / 1024, wi / 1024, meas,
        t["saved_percent"],
        "ok" if good else "FAIL (bytes %s)" % ("ok" if ok else "WRONG")))
ran = [g for g in groups if (g, "without") in srun or (g, "with") in srun]
if ran:
    print()
    hdr = "%-*s %9s %9s %9s  %s" % (w, "stacks (running)", "without",
                                    "with", "saved", "apps")
    print(hdr)
    print("-" * len(hdr))
for g in ran:
    wo, wi = srun.get((g, "without")), srun.get((g, "with"))
    st = apps.get(g, [])
    ok = wo is not None and wi is not None and wo[1] == "ok" and \
        wi[1] == "ok" and len(st) >= 4 and all(x == "ok" for x in st)
    bad |= not ok
    if wo is None or wi is None or not wo[0]:
        print("%-*s no result" % (w, g))
        continue
    print("%-*s %7.1fMi %7.1fMi %8.2f%%  %s (%d s, %d s)" % (
        w, g, wo[0] / 1024, wi[0] / 1024, 100.0 * (wo[0] - wi[0]) / wo[0],
        "ok" if ok else "FAIL", wo[2], wi[2]))
forge = [l.split() for l in open(os.path.join(work, "guest.txt"))
         if l.startswith("@@ FORGE")]
if os.path.exists(os.path.join(work, "forge.good")) and not forge:
    print("guest: no result for the forged fingerprint")
    bad = 1
if forge:
    f = forge[0]
    got, own, fixed = f[3], f[5], f[7]
    good = open(os.path.join(work, "forge.good")).read().strip()
    evil = open(os.path.join(work, "forge.evil")).read().strip()
    rc = open(os.path.join(work, "forge.fsck.rc")).read().strip()
    rc2 = open(os.path.join(work, "forge.mkfs.fsck.rc")).read().strip()
    print()
    print("forged fingerprint (file /evil given the fingerprint of /good):")
    print("  shared mount serves /good's bytes for /evil: %s" %
          ("yes" if got == good else "NO"))
    print("  unshared mount reads /evil's own bytes:     %s" %
          ("yes" if own == evil else "NO"))
    print("  our mkfs, source xattr forged, own bytes:   %s" %
          ("yes" if fixed == evil else "NO"))
    print("  fsck.erofs on the forged image exits:       %s" % rc)
    print("  fsck.erofs on our mkfs's image exits:       %s" % rc2)
    badid = [l.split()[2] for l in open(os.path.join(work, "guest.txt"))
             if l.startswith("@@ BADID")]
    print("  prefix id >= xattr_prefix_count, mount:   %s" %
          (badid[0] if badid else "?"))
    bad |= not (got == good and own == evil and fixed == evil and
                rc == "4" and rc2 == "0" and badid == ["refused"])
print()
print("result: %s" % ("PASS" if not bad else "FAIL"))
sys.exit(1 if bad else 0)
