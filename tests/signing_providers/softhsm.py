"""A SoftHSM2 set-up for tests: one configuration and token folder for the whole process.

SoftHSM reads SOFTHSM2_CONF, and sees the tokens of its folder, when the module is initialised;
python-pkcs11 initialises a module once per process. So tokens are made first (softhsm2-util,
as an operator would), then the module is re-initialised so that this process sees them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pkcs11
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, load_der_public_key
from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters
from pkcs11.util.rsa import encode_rsa_public_key
from pkcs11.util.x509 import decode_x509_certificate

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
SO_PIN = "so-pin-0000"


def softhsm_available() -> bool:
    return shutil.which("softhsm2-util") is not None and Path(MODULE).exists()


@dataclass(frozen=True)
class Token:
    label: str
    pin: str


def configure(folder: Path) -> Path:
    """Write a SoftHSM configuration whose tokens live under `folder`; return its path."""
    tokens = folder / "tokens"
    tokens.mkdir(parents=True)
    conf = folder / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n",
        encoding="utf-8",
    )
    return conf


def init_token(label: str, pin: str) -> Token:
    """Initialise a token with softhsm2-util (SOFTHSM2_CONF must be set in os.environ)."""
    subprocess.run(
        [
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            label,
            "--so-pin",
            SO_PIN,
            "--pin",
            pin,
        ],
        check=True,
        capture_output=True,
        env=os.environ.copy(),
    )
    return Token(label, pin)


def reload_module() -> None:
    """Make this process see the tokens made since the module was first initialised."""
    pkcs11.lib(MODULE).reinitialize()


def generate_key(token: Token, label: str, kind: str) -> None:
    """Generate a key pair on the token; the private half is sensitive and non-extractable."""
    with (
        pkcs11.lib(MODULE)
        .get_token(token_label=token.label)
        .open(rw=True, user_pin=token.pin) as session
    ):
        private = {pkcs11.Attribute.EXTRACTABLE: False, pkcs11.Attribute.SENSITIVE: True}
        if kind == "ec":
            params = session.create_domain_parameters(
                pkcs11.KeyType.EC,
                {pkcs11.Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")},
                local=True,
            )
            params.generate_keypair(store=True, label=label, private_template=private)
        else:
            session.generate_keypair(
                pkcs11.KeyType.RSA, 2048, store=True, label=label, private_template=private
            )


def public_key(token: Token, label: str) -> object:
    """The public half of a key pair on the token, as a cryptography key."""
    with pkcs11.lib(MODULE).get_token(token_label=token.label).open(user_pin=token.pin) as session:
        key = session.get_key(object_class=pkcs11.ObjectClass.PUBLIC_KEY, label=label)
        assert isinstance(key, pkcs11.PublicKey)
        if key.key_type == pkcs11.KeyType.EC:
            return load_der_public_key(encode_ec_public_key(key))
        return load_der_public_key(encode_rsa_public_key(key))  # PKCS#1 DER loads too


def store_certificate(token: Token, label: str, certificate: x509.Certificate) -> None:
    """Store the certificate on the token under the key's label, as token vendors' tools do."""
    attrs = decode_x509_certificate(certificate.public_bytes(Encoding.DER))
    attrs[pkcs11.Attribute.LABEL] = label
    attrs[pkcs11.Attribute.TOKEN] = True
    with (
        pkcs11.lib(MODULE)
        .get_token(token_label=token.label)
        .open(rw=True, user_pin=token.pin) as session
    ):
        session.create_object(attrs)
