"""conf_mode service_https through the real ``vyflow`` command under --root:
what it refuses, the settings it writes, what it would ask systemd, and a
server started with a configured ``pki certificate``."""

import datetime
import json
import os
import ssl

import pytest

from helpers.apiserver import ApiServer, network_namespace

HTTPS = ['set', 'service', 'https']
KEY = 'conf-mode-key-0123456789'


def settings(cli):
    path = cli.root / 'run/vyflow/https/api.json'
    return json.loads(path.read_text()) if path.exists() else None


def key_pair(common_name='router.example', curve=True):
    """A certificate and its key as pki wants them: PEM bodies on one line."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=30))
                   .add_extension(x509.SubjectAlternativeName(
                       [x509.IPAddress(__import__('ipaddress').ip_address('127.0.0.1'))]),
                       critical=False)
                   .sign(key, hashes.SHA256()))

    def body(pem: bytes) -> str:
        return ''.join(pem.decode().strip().splitlines()[1:-1])
    return (body(certificate.public_bytes(serialization.Encoding.PEM)),
            body(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption())))


def test_a_service_without_a_key_is_refused(flow_cli):
    flow_cli(*HTTPS, 'port', '8443')
    result = flow_cli('commit', check=False)
    assert result.returncode != 0
    assert '[service https api keys id]\nThe API needs at least one key: set service https ' \
           'api keys id ID key KEY' in result.stderr
    assert settings(flow_cli) is None and 'https' not in flow_cli.running()


def test_weak_or_shared_keys_are_refused(flow_cli):
    result = flow_cli(*HTTPS, 'api', 'keys', 'id', 'a', 'key', 'short', check=False)
    assert result.returncode != 0 and 'short' not in result.stderr
    assert 'API key must be 8 to 256 printable ASCII characters' in result.stderr
    flow_cli(*HTTPS, 'api', 'keys', 'id', 'a', 'key', KEY)
    flow_cli(*HTTPS, 'api', 'keys', 'id', 'b', 'key', KEY)
    result = flow_cli('commit', check=False)
    assert result.returncode != 0 and 'Key IDs "a" and "b" have the same key' in result.stderr
    assert KEY not in result.stderr + result.stdout


def test_settings_and_planned_actions(flow_cli):
    flow_cli(*HTTPS, 'api', 'keys', 'id', 'a', 'key', KEY)
    first = flow_cli('commit')
    assert 'would start vyflow-https.service' in first.stdout
    assert 'self-signed' in first.stdout and 'reachable from this host only' in first.stdout
    written = settings(flow_cli)
    assert written['listen'] == ['127.0.0.1', '::1'] and written['port'] == 443
    assert KEY not in json.dumps(written) and len(written['keys']['a']) == 64
    assert os.stat(flow_cli.root / 'run/vyflow/https/api.json').st_mode & 0o777 == 0o600
    flow_cli(*HTTPS, 'api', 'keys', 'id', 'b', 'key', KEY + '-b')
    flow_cli(*HTTPS, 'request-body-size-limit', '4')
    second = flow_cli('commit')       # no socket affected: the server re-reads by itself
    assert 'would start vyflow-https.service' in second.stdout
    assert set(settings(flow_cli)['keys']) == {'a', 'b'}
    assert settings(flow_cli)['body_limit'] == 4 * 1024 * 1024
    flow_cli(*HTTPS, 'listen-address', '192.0.2.1')
    flow_cli(*HTTPS, 'tls-version', '1.3')
    third = flow_cli('commit')
    assert 'would restart vyflow-https.service' in third.stdout
    assert settings(flow_cli)['listen'] == ['192.0.2.1']
    flow_cli('delete', 'service', 'https')
    assert 'would stop vyflow-https.service' in flow_cli('commit').stdout
    assert settings(flow_cli) is None


def test_certificate_from_pki(flow_cli):
    certificate, private = key_pair()
    flow_cli(*HTTPS, 'api', 'keys', 'id', 'a', 'key', KEY)
    flow_cli(*HTTPS, 'certificates', 'certificate', 'web')
    result = flow_cli('commit', check=False)
    assert result.returncode != 0 and 'Certificate "web" needs "pki certificate web ' \
                                      'certificate"' in result.stderr
    _, other_key = key_pair()
    flow_cli('set', 'pki', 'certificate', 'web', 'certificate', certificate)
    flow_cli('set', 'pki', 'certificate', 'web', 'private', 'key', other_key)
    result = flow_cli('commit', check=False)
    assert result.returncode != 0
    assert 'pki certificate web: the private key does not belong to the certificate' in \
        result.stderr
    assert other_key not in result.stderr + result.stdout
    flow_cli('set', 'pki', 'certificate', 'web', 'private', 'key', private)
    assert 'self-signed' not in flow_cli('commit').stdout
    written = settings(flow_cli)
    assert written['certificate'].endswith('run/vyflow/https/certificate.pem')
    assert os.stat(written['private_key']).st_mode & 0o777 == 0o600
    flow_cli('set', 'pki', 'certificate', 'web', 'certificate', key_pair()[0])
    result = flow_cli('commit', check=False)          # a renewal that does not match its key
    assert result.returncode != 0 and 'does not belong' in result.stderr
    flow_cli('discard')
    shown = flow_cli('show', 'system', 'commit', 'file', '0').stdout
    assert private not in shown and KEY not in shown and certificate in shown


def test_the_server_presents_the_configured_certificate(flow_cli, tmp_path):
    certificate, private = key_pair('api.example')
    flow_cli(*HTTPS, 'api', 'keys', 'id', 'a', 'key', KEY)
    flow_cli('set', 'pki', 'certificate', 'web', 'certificate', certificate)
    flow_cli('set', 'pki', 'certificate', 'web', 'private', 'key', private)
    flow_cli(*HTTPS, 'certificates', 'certificate', 'web')
    flow_cli(*HTTPS, 'port', '8443')
    flow_cli('commit')
    with network_namespace(f'api-cert-{os.getpid()}'):
        server = ApiServer(flow_cli.root, tmp_path / 'server.log', port=8443).start()
        try:
            pem = ssl.get_server_certificate(('127.0.0.1', 8443))
        finally:
            server.stop()
    assert ''.join(pem.strip().splitlines()[1:-1]) == certificate
    assert not (flow_cli.root / 'var/lib/vyflow/https/self-signed.pem').exists()


def test_a_server_without_settings_says_why(tmp_path):
    server = ApiServer(tmp_path / 'root', tmp_path / 'server.log')
    with pytest.raises(AssertionError, match='service https is not configured'):
        server.start(timeout=20)


def test_ready_only_once_listening_and_a_failure_to_listen_is_an_exit(flow_cli, tmp_path):
    """What systemd (Type=notify) relies on so that a commit's restart fails,
    and is undone, when the server cannot listen: READY=1 on NOTIFY_SOCKET
    once the sockets are bound; otherwise an exit with the reason."""
    import socket
    import subprocess
    flow_cli(*HTTPS, 'api', 'keys', 'id', 'a', 'key', KEY)
    flow_cli('commit')
    notify = tmp_path / 'notify'
    with network_namespace(f'api-notify-{os.getpid()}'), \
            socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind(str(notify))
        listener.settimeout(30)
        server = ApiServer(flow_cli.root, tmp_path / 'server.log',
                           extra_env={'NOTIFY_SOCKET': str(notify)})
        server.start()
        try:
            assert listener.recv(64) == b'READY=1'
            socket.create_connection(('127.0.0.1', 443), timeout=5).close()
        finally:
            server.stop()
        flow_cli(*HTTPS, 'listen-address', '192.0.2.1')     # not an address of this namespace
        flow_cli('commit')
        failed = subprocess.run(server.process_argv(), env=server.env, capture_output=True,
                                text=True, timeout=60)
        assert failed.returncode == 1
        assert 'cannot listen on 192.0.2.1 port 443' in failed.stderr
        listener.settimeout(0.5)
        with pytest.raises(socket.timeout):
            listener.recv(64)
