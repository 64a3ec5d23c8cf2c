"""`opub ledger verify` as a donor or auditor runs it: no key, no sign-in, just the project's name."""

import json
import os
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "scripts", "lib"))
import sandbox_world  # noqa: E402

SERVER, BIN, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
failures = 0


def check(label, ok, details=""):
    global failures
    print(("ok    " if ok else "FAIL  ") + label + ("" if ok else f"\n      {details}"))
    if not ok:
        failures += 1


def opub(*args):
    env = {"PATH": "/usr/bin:/bin", "HOME": WORK, "XDG_CONFIG_HOME": os.path.join(WORK, "config")}
    return subprocess.run([os.path.join(BIN, "opub"), *args], env=env, capture_output=True, text=True, timeout=120)


# A funded project with keys and a linked session (sandbox checkout, sandbox sign-in).
world = json.loads(subprocess.run(
    [sys.executable, os.path.join(os.path.dirname(sandbox_world.__file__), "sandbox_world.py"), SERVER,
     "--keys", "2", "--donation", "40", "--project", "acme/ledger"],
    capture_output=True, text=True, check=True, timeout=300).stdout)
project = world["project"]

verified = opub("ledger", "verify", project, "--server", SERVER)
check("a live project's ledger verifies (exit 0) and says how many transactions it checked",
      verified.returncode == 0 and "verifies" in verified.stdout and "published totals match" in verified.stdout,
      verified.stdout + verified.stderr)
as_json = opub("ledger", "verify", project, "--server", SERVER, "--json")
report = json.loads(as_json.stdout or "{}")
check("--json reports valid, the count and the chain head", as_json.returncode == 0 and report.get("valid") is True
      and report.get("transactions", 0) >= 3 and report.get("compared_with_server") is True, as_json.stdout)

missing = opub("ledger", "verify", "nobody/nothing", "--server", SERVER)
check("an unknown project is one clear line, exit 1", missing.returncode == 1 and "no project" in missing.stderr,
      missing.stderr)
malformed = opub("ledger", "verify", "not a name", "--server", SERVER)
check("a malformed name is a usage error (exit 2)", malformed.returncode == 2, malformed.stderr)

with urllib.request.urlopen(f"{SERVER}/api/v1/projects/{project}/ledger?format=csv", timeout=60) as answer:
    export = answer.read().decode()
saved = os.path.join(WORK, "ledger.csv")
with open(saved, "w", newline="") as file:
    file.write(export)
offline = opub("ledger", "verify", project, "--csv", saved)
check("a saved export verifies offline", offline.returncode == 0 and "verifies" in offline.stdout,
      offline.stdout + offline.stderr)

rows = export.split("\r\n")
second_id = rows[2].split('","')[1]


def tampered(name, text):
    path = os.path.join(WORK, name)
    with open(path, "w", newline="") as file:
        file.write(text)
    return opub("ledger", "verify", project, "--csv", path)


memo = rows[:]
memo_fields = memo[2].split('","')
memo_fields[10] += " (edited)"
memo[2] = '","'.join(memo_fields)
edited = tampered("memo.csv", "\r\n".join(memo))
check("an edited memo fails (exit 1) naming its transaction and the hash chain",
      edited.returncode == 1 and second_id in edited.stderr and "hash chain" in edited.stderr, edited.stderr)

amounts = rows[:]
fields = amounts[2].split('","')
postings = fields[11].split(";")
account, micros = postings[0].rsplit(" ", 1)
postings[0] = f"{account} {int(micros) * 2}"
fields[11] = ";".join(postings)
amounts[2] = '","'.join(fields)
changed = tampered("amount.csv", "\r\n".join(amounts))
check("a changed posting fails naming its transaction", changed.returncode == 1 and second_id in changed.stderr,
      changed.stderr)

dropped = tampered("dropped.csv", "\r\n".join(rows[:2] + rows[3:]))
check("a dropped row fails (the next transaction no longer links)", dropped.returncode == 1
      and "hash chain" in dropped.stderr, dropped.stderr)

garbage = tampered("garbage.csv", "not,a,ledger\r\n")
check("a file that is not an export is said so", garbage.returncode == 1 and "not an opub ledger export"
      in garbage.stderr, garbage.stderr)

print("ledger verify e2e: " + ("all checks passed" if failures == 0 else f"{failures} check(s) failed"))
sys.exit(1 if failures else 0)
