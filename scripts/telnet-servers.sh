# Telnet servers other than inetutils-telnetd, sourced by test-servers.sh. telnetlib3 (Python,
# from PyPI in a venv) is another implementation that negotiates in its own order:
#   2324  its shell, in character mode (the server echoes)
#   2325  the same in line mode (no WILL ECHO: the client echoes and edits lines)
#   2992  telnets with the test CA's certificate
#   2993  telnets with the self-signed certificate (as `openssl req -x509` makes it)

TELNET3_PORTS="2324 2325 2992 2993"

install_telnetlib3() {
    [ -x "$SRV/telnetlib3/bin/telnetlib3-server" ] && return
    make_venv "$SRV/telnetlib3" 'telnetlib3==5.0.1'
}

start_telnet3() {
    install_telnetlib3
    local t="$SRV/telnetlib3/bin/telnetlib3-server" tls="$SRV/tls"
    start_bg telnet3 "$t" --loglevel warning 127.0.0.1 2324
    start_bg telnet3-line "$t" --loglevel warning --line-mode 127.0.0.1 2325
    start_bg telnets "$t" --loglevel warning --ssl-certfile "$tls/cert.pem" \
        --ssl-keyfile "$tls/key.pem" 127.0.0.1 2992
    start_bg telnets-self "$t" --loglevel warning --ssl-certfile "$tls/selfsigned.pem" \
        --ssl-keyfile "$tls/selfsigned-key.pem" 127.0.0.1 2993
}

check_telnet3() {
    # It waits for its first question to be answered before the prompt: read for 4 s.
    probe "telnetlib3 prompt" python3 -c "
import socket, time
s = socket.create_connection(('127.0.0.1', 2324)); s.settimeout(1); got = b''; end = time.time() + 4
while b'tel:sh>' not in got and time.time() < end:
    try: got += s.recv(4096)
    except socket.timeout: pass
assert b'tel:sh>' in got"
    probe "telnets" sh -c "echo | timeout 8 openssl s_client -quiet -CAfile '$SRV/tls/ca.pem' -verify_return_error -connect 127.0.0.1:2992 2>/dev/null | head -c 200 | grep -aq 'tel:sh>'"
}
