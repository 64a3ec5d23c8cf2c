#!/usr/bin/env python3
"""The install line and setup command a key page prints, run as printed on a machine without Swift.

    test_install.py SERVER_URL BIN_DIR WORK

SERVER_URL is a sandbox opub-server started from BIN_DIR (so it distributes the opub and opub-mcp
beside it). Each check prints ok/FAIL; the exit status is 1 when any failed.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

SERVER, BIN_DIR, WORK = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
failures = []


def check(label, ok, details=""):
    print(f"{'ok  ' if ok else 'FAIL'}  {label}" + (f" — {details}" if details and not ok else ""), flush=True)
    if not ok:
        failures.append(label)


class Client:
    """A browser-less maintainer: the sandbox sign-in cookie and CSRF token."""

    def __init__(self, base):
        self.base, self.cookie, self.csrf = base, None, None

    def call(self, method, path, body=None):
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if self.cookie:
            headers["Cookie"] = self.cookie
        if self.csrf:
            headers["X-CSRF-Token"] = self.csrf
        url = path if path.startswith("http") else self.base + path
        request = urllib.request.Request(url, method=method, headers=headers,
                                         data=json.dumps(body).encode() if body is not None else None)
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                data, cookie = answer.read(), answer.headers.get("Set-Cookie")
        except urllib.error.HTTPError as error:
            sys.exit(f"{method} {path} answered {error.code}: {error.read()[:300]!r}")
        if cookie and cookie.startswith("opub_session="):
            self.cookie = cookie.split(";")[0]
        return json.loads(data) if data.startswith(b"{") else data.decode()


def fresh_machine():
    """A new HOME and the PATH of a machine without Swift, plus the folder install.sh installs into."""
    home = tempfile.mkdtemp(dir=WORK, prefix="home-")
    env = {"HOME": home, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    return home, env, os.path.join(home, ".local", "bin")


def sh(command, env, cwd=None, stdin=None, timeout=120):
    started = time.monotonic()
    done = subprocess.run(["sh", "-c", command], env=env, cwd=cwd, input=stdin, capture_output=True, text=True,
                          timeout=timeout)
    return done, time.monotonic() - started


def start_server(extra_env):
    """A second sandbox server with other settings; returns (process, url)."""
    data = tempfile.mkdtemp(dir=WORK, prefix="server-")
    env = {"PATH": "/usr/bin:/bin", "HOME": data, "DATABASE_URL": f"sqlite://{data}/opub.sqlite",
           "LOG_LEVEL": "warning", **extra_env}
    process = subprocess.Popen([os.path.join(BIN_DIR, "opub-server"), "serve", "--port", "0"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    url = process.stdout.readline().strip()
    if not url.startswith("http://"):
        process.kill()
        sys.exit("the second opub-server printed no URL")
    return process, url.rstrip("/")


def main():
    maintainer = Client(SERVER)
    maintainer.csrf = maintainer.call("POST", "/auth/sandbox", {"login": "newcomer"})["csrf_token"]
    maintainer.call("POST", "/api/v1/projects", {"owner": "acme", "repo": "rocket"})
    checkout = maintainer.call("POST", "/api/v1/projects/acme/rocket/donations", {"amount": "50.00"})
    maintainer.call("POST", checkout["checkout_url"] + "/complete")
    created = maintainer.call("POST", "/api/v1/projects/acme/rocket/keys", {"name": "laptop", "limit": "5.00"})
    install_line = created["install_command"]
    setup_line = created["setup_commands"]["claude"]
    check("the key's install line is this server's", install_line == f"curl -fsSL {SERVER}/install.sh | sh",
          install_line)
    check("the setup command carries this server's address", setup_line.endswith(f" --server {SERVER}"), setup_line)
    docs = maintainer.call("GET", "/docs/keys")
    check("the key guide prints the same install line", install_line in docs)

    # 1. The install line, exactly as printed, on a machine without Swift.
    home, env, bin_dir = fresh_machine()
    check("this machine image has no swift on PATH", shutil.which("swift", path=env["PATH"]) is None)
    done, seconds = sh(install_line, env, cwd=home)
    check("the install line succeeds", done.returncode == 0, done.stderr[-800:])
    check(f"the install line takes under 10 s ({seconds:.1f} s)", seconds < 10)
    check("opub and opub-mcp are installed, executable",
          all(os.access(os.path.join(bin_dir, p), os.X_OK) for p in ("opub", "opub-mcp")))
    check("install.sh says the download was checked", "match the SHA-256 sums" in done.stderr, done.stderr)
    check("install.sh says where it put them and that the folder is not on PATH",
          bin_dir in done.stderr and "is not on your PATH" in done.stderr, done.stderr)
    print(f"      install: {seconds:.2f} s", flush=True)

    env["PATH"] = bin_dir + ":" + env["PATH"]
    version, _ = sh("opub --version", env, cwd=home)
    check("opub --version names the server it came from",
          version.returncode == 0 and f"installed from {SERVER}" in version.stdout, version.stdout + version.stderr)
    doctor, _ = sh(f"opub doctor --server {SERVER}", env, cwd=home)
    check("opub doctor runs and reports the CLI version against the server's",
          "cli version: opub" in doctor.stdout and "Fatal" not in doctor.stderr, doctor.stdout + doctor.stderr)
    # stdin stays open until the answer is read: at end of input the server stops, maybe before answering.
    mcp = subprocess.Popen([os.path.join(bin_dir, "opub-mcp")], env=env, cwd=home, stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    mcp.stdin.write('{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26",'
                    '"capabilities":{},"clientInfo":{"name":"t","version":"1"}}}\n')
    mcp.stdin.flush()
    answer = mcp.stdout.readline()
    mcp.stdin.close()
    mcp.wait(timeout=20)
    mcp_output = answer + mcp.stderr.read()
    check("the installed opub-mcp runs without Swift", '"serverInfo"' in answer, mcp_output)

    # 2. The page's setup command, as printed, in a clone of the project.
    repo = os.path.join(home, "rocket")
    os.makedirs(repo)
    for git in (["git", "init", "-q"], ["git", "remote", "add", "origin", "https://github.com/acme/rocket.git"]):
        subprocess.run(git, cwd=repo, env=env, check=True)
    setup, _ = sh(setup_line, {**env, "OPUB_PROVIDER_KEY": created["secret"]}, cwd=repo)
    check("the page's setup command works as printed", setup.returncode == 0 and "Next: opub run claude" in setup.stdout,
          setup.stdout + setup.stderr)
    check("the secret is never printed", created["secret"] not in setup.stdout + setup.stderr + done.stderr)

    # 3. Running it again upgrades in place; --uninstall removes.
    again, _ = sh(install_line, env, cwd=home)
    check("running the install line again upgrades", again.returncode == 0 and "installed" in again.stderr,
          again.stderr[-400:])
    removed, _ = sh(install_line.replace("| sh", "| sh -s -- --uninstall"), env, cwd=home)
    check("--uninstall removes both programs", removed.returncode == 0
          and not any(os.path.exists(os.path.join(bin_dir, p)) for p in ("opub", "opub-mcp")), removed.stderr)

    # 4. Piped, a Package.swift in the current directory is never built.
    home, env, bin_dir = fresh_machine()
    trap = os.path.join(home, "trap")
    os.makedirs(os.path.join(trap, "bin"))
    with open(os.path.join(trap, "Package.swift"), "w") as file:
        file.write('// swift-tools-version: 6.1\nlet package = Package(name: "opub")\n')
    fake_swift = os.path.join(trap, "bin", "swift")
    with open(fake_swift, "w") as file:
        file.write(f"#!/bin/sh\necho called >> {trap}/swift-called\nexit 1\n")
    os.chmod(fake_swift, 0o755)
    piped, _ = sh(install_line, {**env, "PATH": os.path.join(trap, "bin") + ":" + env["PATH"]}, cwd=trap)
    check("piped in a folder holding a Package.swift, nothing is built and the binaries are installed",
          piped.returncode == 0 and not os.path.exists(os.path.join(trap, "swift-called"))
          and os.path.exists(os.path.join(bin_dir, "opub")), piped.stderr[-400:])
    trapped_env = {**env, "PATH": os.path.join(trap, "bin") + ":" + env["PATH"]}
    from_source, _ = sh(install_line.replace("| sh", "| sh -s -- --from-source"), trapped_env, cwd=trap)
    check("piped with --from-source in that folder, its Package.swift is not taken for opub's source",
          from_source.returncode != 0 and "no opub source to build" in from_source.stderr
          and not os.path.exists(os.path.join(trap, "swift-called")), from_source.stderr[-400:])

    # 5. An unknown platform is refused, naming what exists.
    home, env, bin_dir = fresh_machine()
    fake = os.path.join(home, "fakebin")
    os.makedirs(fake)
    with open(os.path.join(fake, "uname"), "w") as file:
        file.write('#!/bin/sh\ncase "$1" in -s) echo Plan9 ;; -m) echo mips ;; *) echo Plan9 ;; esac\n')
    os.chmod(os.path.join(fake, "uname"), 0o755)
    odd, _ = sh(install_line, {**env, "PATH": fake + ":" + env["PATH"]}, cwd=home)
    check("an unknown platform gets a clear message naming what exists",
          odd.returncode != 0 and "no prebuilt opub for plan9-mips" in odd.stderr and "linux-x86_64" in odd.stderr,
          odd.stderr)
    check("... and nothing is installed", not os.path.exists(bin_dir))

    # 6. A corrupted download (one byte changed after the sums were published) installs nothing.
    dist = tempfile.mkdtemp(dir=WORK, prefix="dist-")
    platform = subprocess.run(["sh", "-c", "echo $(uname -s)-$(uname -m)"], capture_output=True,
                              text=True).stdout.strip().lower().replace("aarch64", "arm64")
    folder = os.path.join(dist, platform)
    os.makedirs(folder)
    sums = []
    for program in ("opub", "opub-mcp"):
        shutil.copy2(os.path.join(BIN_DIR, program), os.path.join(folder, program))
        with open(os.path.join(folder, program), "rb") as file:
            sums.append(f"{hashlib.sha256(file.read()).hexdigest()}  {program}\n")
    with open(os.path.join(folder, "SHA256SUMS"), "w") as file:
        file.writelines(sums)
    with open(os.path.join(folder, "opub"), "r+b") as file:
        file.seek(4096)
        byte = file.read(1)
        file.seek(4096)
        file.write(bytes([byte[0] ^ 0xFF]))
    second, second_url = start_server({"OPUB_CLI_DIST_DIR": dist})
    try:
        home, env, bin_dir = fresh_machine()
        corrupted, _ = sh(f"curl -fsSL {second_url}/install.sh | sh", env, cwd=home)
        check("a corrupted download is refused with a clear message",
              corrupted.returncode != 0 and "does not match its SHA-256" in corrupted.stderr
              and "nothing was installed" in corrupted.stderr, corrupted.stderr)
        check("... and nothing is installed", not os.path.exists(os.path.join(bin_dir, "opub"))
              and not os.path.exists(os.path.join(bin_dir, "opub-mcp")))
    finally:
        second.terminate()
        second.wait(timeout=15)

    print(f"install e2e: {'all checks passed' if not failures else f'{len(failures)} failed: {failures}'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
