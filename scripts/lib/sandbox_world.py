#!/usr/bin/env python3
"""Prepares a sandbox opub-server for load: signs a maintainer in, claims a project, funds it through
the sandbox checkout, mints keys and links a session on each. Prints one JSON object:
{"keys": [{"id", "token", "session"}], "project": "owner/repo"}. Secrets stay in this process.

    sandbox_world.py URL [--keys N] [--donation DOLLARS] [--project owner/repo]
"""

import argparse
import base64
import hashlib
import hmac
import json
import secrets
import sys
import urllib.error
import urllib.request


class Client:
    def __init__(self, base):
        self.base = base.rstrip("/")
        self.cookie = None
        self.csrf = None

    def call(self, method, path, body=None, token=None, expect=(200, 201, 204)):
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if self.cookie:
            headers["Cookie"] = self.cookie
        if self.csrf:
            headers["X-CSRF-Token"] = self.csrf
        if token:
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        url = path if path.startswith("http") else self.base + path
        request = urllib.request.Request(url, method=method, headers=headers,
                                         data=json.dumps(body).encode() if body is not None else None)
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                status, data, answer_headers = answer.status, answer.read(), answer.headers
        except urllib.error.HTTPError as error:
            status, data, answer_headers = error.code, error.read(), error.headers
        if status not in expect:
            sys.exit(f"sandbox_world: {method} {path} answered {status}: {data[:300]!r}")
        cookie = answer_headers.get("Set-Cookie")
        if cookie and cookie.startswith("opub_session="):
            self.cookie = cookie.split(";")[0]
        return json.loads(data) if data.startswith(b"{") else None


def link_token(secret, key_id):
    mac = hmac.new(secret.encode(), f"opub-link/v1/{key_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--keys", type=int, default=1)
    parser.add_argument("--donation", default="5000.00")
    parser.add_argument("--limit", default="1.00")
    parser.add_argument("--project", default="bench/widgets")
    parser.add_argument("--login", default="maintainer")
    args = parser.parse_args()
    owner, repo = args.project.split("/")

    client = Client(args.url)
    client.csrf = client.call("POST", "/auth/sandbox", {"login": args.login})["csrf_token"]
    client.call("POST", "/api/v1/projects", {"owner": owner, "repo": repo})
    checkout = client.call("POST", f"/api/v1/projects/{args.project}/donations", {"amount": args.donation})
    client.call("POST", checkout["checkout_url"] + "/complete")
    keys = []
    for index in range(args.keys):
        created = client.call("POST", f"/api/v1/projects/{args.project}/keys",
                              {"name": f"load {index}", "limit": args.limit})
        key_id = created["key"]["id"]
        token = link_token(created["secret"], key_id)
        session = "ls_" + secrets.token_hex(12)
        client.call("PUT", f"/api/v1/cli/sessions/{session}", token=token,
                    body={"key_id": key_id, "surface": "claude", "cli_version": "bench", "os": "linux"})
        keys.append({"id": key_id, "token": token, "session": session})
    json.dump({"project": args.project, "keys": keys}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
