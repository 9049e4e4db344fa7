"""The server's TLS: protocol versions, ciphers, certificate.

TLS is terminated by uvicorn itself with this context rather than by a reverse
proxy: one process to run, no second configuration to keep in step, the
client's real address for allow-client and the failure limit, and a VRF bound
on the socket directly. Python's ssl module (OpenSSL 3) gives all the control
needed:

* TLS 1.2 and 1.3 only (``tls-version`` may narrow that, never widen it);
* TLS 1.2 suites are ECDHE with AES-GCM or ChaCha20-Poly1305: forward secrecy
  and AEAD only, so no CBC and no SHA-1 suite can be negotiated (TLS 1.3
  suites are all AEAD); no compression, no renegotiation.

Without ``certificates certificate`` the server uses a self-signed
certificate generated on first start with the ``cryptography`` module
(python3-cryptography): no subprocess, no temporary key file, the key written
once, mode 0600, and reused on later starts so clients that pinned it keep
working. A warning says so at commit and at every start.
"""

from __future__ import annotations

import datetime
import ipaddress
import logging
import socket
import ssl
from pathlib import Path
from typing import Iterable

from vyflow.atomicfile import write_atomic

log = logging.getLogger('vyflow.api')

TLS12_CIPHERS = 'ECDHE+AESGCM:ECDHE+CHACHA20'
_VERSIONS = {'1.2': ssl.TLSVersion.TLSv1_2, '1.3': ssl.TLSVersion.TLSv1_3}
SELF_SIGNED_DAYS = 3650


def server_context(certificate: Path, private_key: Path, versions: Iterable[str]) -> ssl.SSLContext:
    """A server context with the policy above for the given key pair."""
    chosen = sorted(_VERSIONS[version] for version in versions)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = chosen[0]
    context.maximum_version = chosen[-1]
    context.set_ciphers(TLS12_CIPHERS)
    context.options |= (ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE
                        | ssl.OP_NO_RENEGOTIATION)
    context.load_cert_chain(str(certificate), str(private_key))
    return context


def ensure_self_signed(certificate: Path, private_key: Path, addresses: Iterable[str]) -> bool:
    """Create the self-signed pair unless a valid one exists; True if created."""
    if _usable(certificate, private_key):
        return False
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    hostname = socket.gethostname() or 'localhost'
    names = [x509.DNSName(hostname), x509.DNSName('localhost')]
    names += [x509.IPAddress(ipaddress.ip_address(address)) for address in addresses]
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'vyflow self-signed')])
    now = datetime.datetime.now(datetime.timezone.utc)
    built = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
             .public_key(key.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(now - datetime.timedelta(minutes=5))
             .not_valid_after(now + datetime.timedelta(days=SELF_SIGNED_DAYS))
             .add_extension(x509.SubjectAlternativeName(names), critical=False)
             .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
             .sign(key, hashes.SHA256()))
    write_atomic(private_key, key.private_bytes(serialization.Encoding.PEM,
                                                serialization.PrivateFormat.PKCS8,
                                                serialization.NoEncryption()), mode=0o600)
    write_atomic(certificate, built.public_bytes(serialization.Encoding.PEM))
    return True


def _usable(certificate: Path, private_key: Path) -> bool:
    """The pair exists, loads, matches and has not expired."""
    try:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(certificate), str(private_key))
        from cryptography import x509
        loaded = x509.load_pem_x509_certificate(certificate.read_bytes())
    except (OSError, ssl.SSLError, ValueError):
        return False
    utc = datetime.timezone.utc
    expires = (getattr(loaded, 'not_valid_after_utc', None)
               or loaded.not_valid_after.replace(tzinfo=utc))
    return expires > datetime.datetime.now(utc)
