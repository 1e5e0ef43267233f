"""A council identity provider for the tests: RSA and EC signing keys the tests generate, and
their key set served over real HTTP from 127.0.0.1, as Azure AD or NHS CIS2 publish theirs."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from joinedup.accounts import OidcConfig
from joinedup.govern.vocabulary import Role

ISSUER = "https://login.example.test/council-tenant/v2.0"
AUDIENCE = "api://joinedup-hub"


@dataclass
class Provider:
    """An identity provider: its signing keys and the URL of its published key set."""

    jwks_url: str
    rsa_key: rsa.RSAPrivateKey
    ec_key: ec.EllipticCurvePrivateKey
    requests: list[str]

    def config(self, **changes: Any) -> OidcConfig:
        base = OidcConfig(self.jwks_url, ISSUER, AUDIENCE,
                          role_map={"ASC.SocialWorker": Role.SOCIAL_WORKER})
        return replace(base, **changes)

    def token(self, *, key: Any = None, kid: str = "rsa-1", algorithm: str = "RS256",
              **changes: Any) -> str:
        now = datetime.now(UTC)
        claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "00u1", "iat": now, "nbf": now,
                  "exp": now + timedelta(minutes=10), "preferred_username": "Jo.Bloggs",
                  "org": "Adult Social Care", "roles": ["ASC.SocialWorker"],
                  "team": "Norwich Locality Team", **changes}
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, key or self.rsa_key, algorithm=algorithm,
                          headers={"kid": kid})


def _jwk(public: Any, kid: str, alg: str) -> dict[str, Any]:
    algorithm = RSAAlgorithm if alg == "RS256" else ECAlgorithm
    jwk = algorithm.to_jwk(public, as_dict=True)
    return {**jwk, "kid": kid, "alg": alg, "use": "sig"}


@contextmanager
def running_provider() -> Iterator[Provider]:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    body = json.dumps({"keys": [_jwk(rsa_key.public_key(), "rsa-1", "RS256"),
                                _jwk(ec_key.public_key(), "ec-1", "ES256")]}).encode()
    requests: list[str] = []

    class Keys(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            found = self.path == "/discovery/keys"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            if found:
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Keys)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Provider(f"http://127.0.0.1:{server.server_port}/discovery/keys", rsa_key, ec_key,
                       requests)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
