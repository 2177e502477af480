#!/usr/bin/env python3
"""The shipped advisor: deterministic rules of thumb over wells telemetry.

usage: advisor.py <telemetry.json> <set.toml>

Any program taking the same two arguments can stand in (an LLM client included): it reads the
telemetry JSON the example writes and writes a decision set in the TOML form that
tools/wells-policy compiles.
"""
import json
import sys


def advise(telemetry):
    threads = telemetry["threads"]
    by_class = {}
    for t in threads:
        by_class.setdefault(t["class"], []).append(t)
    rules = []
    hard = by_class.get("hard-rt", [])
    if any(t["deadline_misses"] for t in hard):
        # Hard real-time work missed deadlines while sharing a level: lift it above the rest.
        rules.append(("hard-rt", "run_at_priority = 25"))
    soft = by_class.get("soft-rt", [])
    if any(t["conflicts"] for t in soft):
        # Conflicting transactions: shorter slices so a transaction rarely straddles another.
        rules.append(("soft-rt", "run_at_priority = 18"))
    batch = by_class.get("best-effort", [])
    if batch and (hard or soft):
        # Batch work yields to everything interactive.
        rules.append(("best-effort", "run_at_priority = 4"))
    return rules


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        telemetry = json.load(f)
    rules = advise(telemetry)
    if not rules:
        rules = [("best-effort", "run_at_priority = 4")]
    with open(sys.argv[2], "w") as out:
        out.write("# written by examples/advisor/advisor.py from %s\nversion = 1\n" % sys.argv[1])
        for cls, action in rules:
            out.write('\n[[rule]]\nclass = ["%s"]\n%s\n' % (cls, action))
    print("advisor.py: %d rule(s) written to %s" % (len(rules), sys.argv[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
