"""Runs aiosmtpd (a real SMTP server, Debian package python3-aiosmtpd) for
the notify tests: listens on 127.0.0.1:PORT, stores every message in a
maildir, and optionally offers STARTTLS, implicit TLS and AUTH (PLAIN and
LOGIN against one user). aiosmtpd's own command line has no AUTH option,
hence this launcher. Prints "ready" once listening."""

import argparse
import asyncio
import ssl

from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--maildir", required=True)
    p.add_argument("--mode", choices=["plain", "starttls", "smtps"], default="plain")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--user")
    p.add_argument("--password")
    a = p.parse_args()

    handler = Mailbox(a.maildir)
    ctx = None
    if a.mode != "plain":
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.cert, a.key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == a.user.encode()
            and auth_data.password == a.password.encode()
        )
        # handled=False makes aiosmtpd answer 535 itself on failure.
        return AuthResult(success=ok, handled=False)

    def factory():
        kw = {}
        if a.mode == "starttls":
            kw.update(tls_context=ctx, require_starttls=True)
        if a.user:
            kw.update(authenticator=authenticator, auth_required=True,
                      auth_require_tls=(a.mode == "starttls"))
        return SMTP(handler, hostname="localhost", **kw)

    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(
        factory, host="127.0.0.1", port=a.port,
        ssl=ctx if a.mode == "smtps" else None))
    print("ready", flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    main()
