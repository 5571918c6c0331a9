# SMTP servers other than exim, sourced by test-servers.sh. aiosmtpd (Python, from PyPI in a
# venv) is another implementation, so the composer is checked against more than one server:
#   2526  STARTTLS required before anything else, then AUTH PLAIN/LOGIN (postie/secret)
#   2527  no STARTTLS at all (AUTH over plain text), for the test that an account set to
#         require TLS never logs in in plain text
#   2528  STARTTLS with the self-signed certificate (CA:TRUE, as `openssl req -x509` makes it)
# Both keep what they accept in the Maildir $SRV/aiosmtpd/mail.

AIOSMTPD_PORTS="2526 2527 2528"

install_aiosmtpd() {
    [ -x "$SRV/aiosmtpd/bin/aiosmtpd" ] && return
    make_venv "$SRV/aiosmtpd" 'aiosmtpd==1.4.6'
}

write_aiosmtpd_server() {
    mkdir -p "$SRV/aiosmtpd/mail/tmp" "$SRV/aiosmtpd/mail/new" "$SRV/aiosmtpd/mail/cur"
    cat > "$SRV/aiosmtpd/serve.py" <<PY
import signal, ssl
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword

def check(server, session, envelope, mechanism, data):
    ok = isinstance(data, LoginPassword) and data.login == b"postie" and data.password == b"secret"
    return AuthResult(success=ok, handled=False)

tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
tls.load_cert_chain("$SRV/tls/cert.pem", "$SRV/tls/key.pem")
selfsigned = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
selfsigned.load_cert_chain("$SRV/tls/selfsigned.pem", "$SRV/tls/selfsigned-key.pem")
box = Mailbox("$SRV/aiosmtpd/mail")
servers = [
    Controller(box, hostname="127.0.0.1", port=2526, server_hostname="localhost",
               tls_context=tls, require_starttls=True, authenticator=check,
               auth_required=True, auth_require_tls=True),
    Controller(box, hostname="127.0.0.1", port=2527, server_hostname="localhost",
               authenticator=check, auth_required=True, auth_require_tls=False),
    Controller(box, hostname="127.0.0.1", port=2528, server_hostname="localhost",
               tls_context=selfsigned, require_starttls=True, authenticator=check,
               auth_required=True, auth_require_tls=True),
]
for s in servers:
    s.start()
signal.sigwait({signal.SIGTERM, signal.SIGINT})
for s in servers:
    s.stop()
PY
}

start_aiosmtpd() {
    install_aiosmtpd
    write_aiosmtpd_server
    start_bg aiosmtpd "$SRV/aiosmtpd/bin/python" "$SRV/aiosmtpd/serve.py"
}

check_aiosmtpd() {
    probe "aiosmtpd STARTTLS + AUTH" sh -c "printf 'Subject: check\r\n\r\nhello\r\n' | curl -sf --ssl-reqd --cacert '$SRV/tls/ca.pem' --user postie:secret --mail-from postie@localhost --mail-rcpt postie@localhost -T - smtp://localhost:2526"
}
