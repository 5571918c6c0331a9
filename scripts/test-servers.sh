#!/usr/bin/env bash
# Real test servers on loopback for Portolan's tests and benchmarks.
#
#   scripts/test-servers.sh install   apt-get what is missing (needs root)
#   scripts/test-servers.sh start     write configs and content, start, wait until ready
#   scripts/test-servers.sh check     probe every server with curl
#   scripts/test-servers.sh stop      stop everything started here
#   scripts/test-servers.sh env       print the variables the tests read
#
# Everything lives under $PORTOLAN_SRV (default /tmp/portolan-srv) and listens on 127.0.0.1
# and ::1 only. Ports: gopher 7070 (gophernicus); HTTP 8080 and HTTPS 8443 with HTTP/2, 8444 with a
# self-signed certificate (nginx); Telnet 2323 (inetutils-telnetd, real /bin/login);
# FTP 2121, 2990, 2124 (vsftpd) and 2123 (pure-ftpd): see ftp-servers.sh; IMAP 1143/1993,
# POP3 1110/1995 (dovecot) and SMTP 2525/2465 (exim): see mail-servers.sh; SMTP 2526/2527
# (aiosmtpd): see smtp-servers.sh; telnetlib3 2324,
# 2325 (line mode) and telnets 2992/2993: see telnet-servers.sh; NNTP 1119, 1563 (NNTPS), 1121
# (AUTHINFO), 1564 (self-signed NNTPS) (INN): see news-servers.sh; TCP echo 7007 and UDP echo
# 7008 (socat), DNS 5354 (dnsmasq) and XML-RPC 8091 (Python): see socket-servers.sh.
set -euo pipefail

SRV="${PORTOLAN_SRV:-/tmp/portolan-srv}"
GOPHER_PORT=7070
HTTP_PORT=8080
HTTPS_PORT=8443
# nginx with a self-signed certificate (CA:TRUE), for --cacert with such a certificate.
SELF_SIGNED_PORT=8444
TELNET_PORT=2323

log() { printf '[test-servers] %s\n' "$*" >&2; }
# A Python venv at DIR with the PyPI packages given (Debian's python3 needs its venv package).
make_venv() {
    local dir=$1; shift
    rm -rf "$dir"
    if ! python3 -m venv "$dir" 2>/dev/null; then
        apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
        python3 -m venv "$dir"
    fi
    "$dir/bin/pip" install -q "$@"
}
# shellcheck source=scripts/ftp-servers.sh
. "$(dirname "$0")/ftp-servers.sh"
# shellcheck source=scripts/mail-servers.sh
. "$(dirname "$0")/mail-servers.sh"
# shellcheck source=scripts/telnet-servers.sh
. "$(dirname "$0")/telnet-servers.sh"
# shellcheck source=scripts/smtp-servers.sh
. "$(dirname "$0")/smtp-servers.sh"
# shellcheck source=scripts/news-servers.sh
. "$(dirname "$0")/news-servers.sh"
# shellcheck source=scripts/socket-servers.sh
. "$(dirname "$0")/socket-servers.sh"
die() { log "error: $*"; exit 1; }

need_root() {
    [ "$(id -u)" = 0 ] || die "$1 needs root (the servers drop privileges themselves)"
}

cmd_install() {
    local missing=()
    command -v nginx >/dev/null || missing+=(nginx-light)
    [ -x /usr/sbin/gophernicus ] || missing+=(gophernicus)
    [ -x /usr/sbin/telnetd ] || missing+=(inetutils-telnetd)
    command -v systemd-socket-activate >/dev/null || missing+=(systemd)
    command -v openssl >/dev/null || missing+=(openssl)
    command -v curl >/dev/null || missing+=(curl)
    command -v setpriv >/dev/null || missing+=(util-linux)
    [ -e /etc/ssl/certs/ca-certificates.crt ] || missing+=(ca-certificates)
    # Not a server: the window's CJK fallback font, which the Mail UI test reads a subject in
    # (the test harness refuses to draw a character no font has).
    [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
    # Not a server either: a display for the test that kills the real window mid-compose.
    command -v Xvfb >/dev/null || missing+=(xvfb xauth)
    [ -e /usr/lib/x86_64-linux-gnu/dri ] || [ -e /usr/lib/aarch64-linux-gnu/dri ] \
        || missing+=(libgl1-mesa-dri libegl-mesa0 libegl1 libgl1 libglx-mesa0)
    dpkg -s libxkbcommon-x11-0 >/dev/null 2>&1 || missing+=(libxkbcommon-x11-0 libxcursor1 libxi6 libx11-xcb1)
    command -v python3 >/dev/null || missing+=(python3)
    # Not a server: xdg-mime, which Settings uses to choose the desktop's link handlers.
    command -v xdg-mime >/dev/null || missing+=(xdg-utils)
    local ftp_missing
    ftp_missing=$(ftp_packages_missing)
    [ -z "$ftp_missing" ] || missing+=($ftp_missing)
    local mail_missing
    mail_missing=$(mail_packages_missing)
    [ -z "$mail_missing" ] || missing+=($mail_missing)
    local news_missing
    news_missing=$(news_packages_missing)
    [ -z "$news_missing" ] || missing+=($news_missing)
    local socket_missing
    socket_missing=$(socket_packages_missing)
    [ -z "$socket_missing" ] || missing+=($socket_missing)
    if [ ${#missing[@]} -eq 0 ]; then
        finish_inn_install
        log "all server packages present"
        return
    fi
    need_root "installing ${missing[*]}"
    log "installing ${missing[*]}"
    # Keep the packages from starting system-wide daemons on the standard ports.
    local made_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        made_policy=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # inn2's postinst fails on a host with no domain name: finish_inn_install completes it.
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || true
    finish_inn_install
    local still
    still="$(ftp_packages_missing) $(mail_packages_missing) $(news_packages_missing) $(socket_packages_missing)"
    [ -z "${still// /}" ] || die "not installed: $still"
    if [ "$made_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
}

make_tls() {
    local d="$SRV/tls"
    mkdir -p "$d"
    if [ ! -s "$d/selfsigned.pem" ]; then
        # What most self-signed servers have: `openssl req -x509` with its defaults, which make
        # the certificate a CA (basicConstraints CA:TRUE) as well as the server's own.
        log "making a self-signed certificate for localhost (CA:TRUE, as openssl req -x509 makes it)"
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=localhost" \
            -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
            -keyout "$d/selfsigned-key.pem" -out "$d/selfsigned.pem" 2>/dev/null
        chmod 644 "$d/selfsigned.pem"
    fi
    [ -s "$d/cert.pem" ] && [ -s "$d/ca.pem" ] && return
    log "making a test CA and a certificate for localhost"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=Portolan Test CA" \
        -keyout "$d/ca-key.pem" -out "$d/ca.pem" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
        -keyout "$d/key.pem" -out "$d/cert.csr" 2>/dev/null
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
        "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" > "$d/leaf.ext"
    openssl x509 -req -in "$d/cert.csr" -CA "$d/ca.pem" -CAkey "$d/ca-key.pem" -CAcreateserial \
        -days 3650 -extfile "$d/leaf.ext" -out "$d/cert.pem" 2>/dev/null
    chmod 644 "$d/cert.pem" "$d/ca.pem"
}

write_gopher_content() {
    local g="$SRV/gopher"
    rm -rf "$g"
    mkdir -p "$g/files" "$g/cgi-bin" "$g/text"
    printf 'Portolan test gopher server.\nThis is plain text, shown byte for byte.\n' > "$g/about.txt"
    # A 1x1 GIF and a 1x1 PNG.
    printf 'GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff\x21\xf9\x04\x01\x00\x00\x00\x00\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00\x3b' > "$g/files/pixel.gif"
    printf '\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82' > "$g/files/pixel.png"
    head -c 3000000 /dev/urandom > "$g/files/blob.bin"
    # gophernicus re-encodes non-UTF-8 text files to UTF-8, so raw 8-bit samples are served
    # by CGI scripts, whose output it passes through untouched.
    mkdir -p "$SRV/raw"
    printf 'caf\xe9 cr\xe8me br\xfbl\xe9e\n' > "$SRV/raw/latin1.txt"
    printf '\xc9\xcd\xcd\xcd\xcd\xbb\r\n\xba ANSI \xba\r\n\xc8\xcd\xcd\xcd\xcd\xbc\r\n' > "$SRV/raw/cp437.txt"
    chmod -R a+rX "$SRV/raw"
    for name in latin1 cp437; do
        printf '#!/bin/sh\ncat %s/raw/%s.txt\n' "$SRV" "$name" > "$g/cgi-bin/$name"
        chmod 755 "$g/cgi-bin/$name"
    done
    printf 'Gr\xc3\xbc\xc3\x9fe aus UTF-8 \xe2\x98\x83\n' > "$g/text/utf8.txt"
    {
        printf 'iText in three charsets\tfake\t(NULL)\t0\n'
        printf '0UTF-8 text\t/text/utf8.txt\n'
        printf '0Latin-1 text\t/cgi-bin/latin1\n'
        printf '0CP437 art\t/cgi-bin/cp437\n'
    } > "$g/text/gophermap"
    cat > "$g/cgi-bin/search" <<'EOF'
#!/bin/sh
# Prints the words of a small list that contain the query.
q="${SEARCHREQUEST:-$QUERY_STRING}"
for w in apple banana cherry pineapple grape; do
  case "$w" in *"$q"*) printf 'i%s\tfake\t(NULL)\t0\r\n' "$w";; esac
done
printf '.\r\n'
EOF
    chmod 755 "$g/cgi-bin/search"
    {
        printf 'iLoopback gopher test server\tfake\t(NULL)\t0\n'
        printf '0About this server\t/about.txt\n'
        printf '1Files directory\t/files\n'
        printf '1Text samples\t/text\n'
        printf '9A binary file\t/files/blob.bin\n'
        printf 'gA GIF image\t/files/pixel.gif\n'
        printf 'pA PNG image\t/files/pixel.png\n'
        printf '7Search the word list\t/cgi-bin/search\n'
        printf 'hHTTP link to nginx\tURL:http://127.0.0.1:%s/\n' "$HTTP_PORT"
        printf '1Big menu (2000 items)\t/big\n'
    } > "$g/gophermap"
    mkdir -p "$g/big"
    {
        for i in $(seq 1 2000); do printf '0Item number %s\t/about.txt\n' "$i"; done
    } > "$g/big/gophermap"
    chmod -R a+rX "$g"
}

write_www_content() {
    local w="$SRV/www"
    rm -rf "$w"
    mkdir -p "$w/dir"
    cat > "$w/index.html" <<'EOF'
<!doctype html>
<html><head><meta charset="utf-8"><title>Portolan test page</title>
<script>document.write("no scripts run")</script><style>body{color:red}</style></head>
<body>
<h1>Welcome to the test page</h1>
<p>Some <b>bold</b>, some <i>italic</i> and some <code>code</code>.</p>
<ul><li>First item</li><li>Second item</li></ul>
<blockquote>A quotation.</blockquote>
<pre>preformatted   text</pre>
<p>Go to the <a href="page2.html">second page</a> or <a href="/redirect">a redirect</a>.</p>
<p><img src="pixel.png" alt="a pixel"></p>
<table><tr><th>Name</th><th>Value</th></tr><tr><td>alpha</td><td>1</td></tr></table>
</body></html>
EOF
    cat > "$w/page2.html" <<'EOF'
<html><head><title>Second page</title></head><body><h2>The second page</h2>
<p>Back to the <a href="index.html">first page</a>.</p></body></html>
EOF
    # A documentation page as such sites make them: hidden help panels, a long navigation
    # before <main>, headings of every level.
    cat > "$w/docs.html" <<'EOF'
<!doctype html>
<html><head><meta charset="utf-8"><title>Documentation</title></head>
<body>
<nav><a href="index.html">Home</a> <a href="page2.html">Guide</a> <a href="plain.txt">Reference</a></nav>
<div id="help" hidden><h2>Keyboard shortcuts</h2><p>Press ? to show this help.</p></div>
<div class="settings" style="display: none">Settings panel</div>
<span aria-hidden="true">Decorative icon text</span>
<main>
<h1>Documentation title</h1>
<p>The first paragraph of the documentation.</p>
<h2>Second-level section</h2>
<p>More text under the section.</p>
<h3>Third-level section</h3>
</main>
</body></html>
EOF
    printf '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"><title>Latin</title></head><body><p>caf\xe9 cr\xe8me</p></body></html>\n' > "$w/latin1.html"
    printf 'plain text file\nsecond line\n' > "$w/plain.txt"
    cp "$SRV/gopher/files/pixel.png" "$w/pixel.png"
    head -c 1000000 /dev/urandom > "$w/dir/data.bin"
    printf 'User-agent: *\nDisallow: /private/\n' > "$w/robots.txt"
    chmod -R a+rX "$w"
}

write_nginx_conf() {
    local n="$SRV/nginx"
    mkdir -p "$n/logs" "$n/tmp"
    cat > "$n/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $n/nginx.pid;
error_log $n/logs/error.log warn;
events { worker_connections 512; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log $n/logs/access.log;
    client_body_temp_path $n/tmp/body;
    proxy_temp_path $n/tmp/proxy;
    fastcgi_temp_path $n/tmp/fastcgi;
    uwsgi_temp_path $n/tmp/uwsgi;
    scgi_temp_path $n/tmp/scgi;
    sendfile on;
    tcp_nopush on;
    gzip on;
    gzip_types text/plain;
    gzip_min_length 20;
    server {
        listen 127.0.0.1:$HTTP_PORT;
        listen [::1]:$HTTP_PORT;
        listen 127.0.0.1:$HTTPS_PORT ssl http2;
        listen [::1]:$HTTPS_PORT ssl http2;
        server_name localhost;
        ssl_certificate $SRV/tls/fullchain.pem;
        ssl_certificate_key $SRV/tls/key.pem;
        root $SRV/www;
        location / { autoindex on; autoindex_exact_size on; charset utf-8; }
        location = /redirect { return 302 /page2.html; }
        location = /loop { return 302 /loop; }
        location = /missing-page { return 404; }
        location = /latin1.html { charset off; }
    }
    server {
        listen 127.0.0.1:$SELF_SIGNED_PORT ssl;
        server_name localhost;
        ssl_certificate $SRV/tls/selfsigned.pem;
        ssl_certificate_key $SRV/tls/selfsigned-key.pem;
        root $SRV/www;
    }
}
EOF
    cat "$SRV/tls/cert.pem" "$SRV/tls/ca.pem" > "$SRV/tls/fullchain.pem"
}

wait_port() {
    local port=$1 i
    for i in $(seq 1 50); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    die "nothing listens on 127.0.0.1:$port"
}

start_bg() {
    local name=$1; shift
    setsid "$@" >"$SRV/pids/$name.out" 2>&1 < /dev/null &
    echo $! > "$SRV/pids/$name.pid"
}

cmd_start() {
    need_root "start"
    cmd_stop >/dev/null 2>&1 || true
    mkdir -p "$SRV/pids"
    chmod 755 "$SRV"
    make_tls
    write_gopher_content
    write_www_content
    write_nginx_conf
    start_bg nginx nginx -e "$SRV/nginx/logs/error.log" -p "$SRV/nginx" -c "$SRV/nginx/nginx.conf"
    start_bg gophernicus setpriv --reuid=_gophernicus --regid=_gophernicus --init-groups \
        systemd-socket-activate --inetd -a -l "127.0.0.1:$GOPHER_PORT" -l "[::1]:$GOPHER_PORT" \
        /usr/sbin/gophernicus -h localhost -p "$GOPHER_PORT" -r "$SRV/gopher" -nv -ns
    wait_port "$HTTP_PORT"
    wait_port "$HTTPS_PORT"
    wait_port "$SELF_SIGNED_PORT"
    wait_port "$GOPHER_PORT"
    start_ftp
    start_mail
    # Telnet with a real /bin/login; the FTP test user (tester/secret) logs in to bash.
    start_bg telnetd systemd-socket-activate --inetd -a -l "127.0.0.1:$TELNET_PORT" \
        -l "[::1]:$TELNET_PORT" /usr/sbin/telnetd -h
    wait_port "$TELNET_PORT"
    start_telnet3
    start_aiosmtpd
    start_sockets
    local port
    for port in $FTP_PORTS $MAIL_PORTS $TELNET3_PORTS $AIOSMTPD_PORTS $SOCKET_PORTS; do wait_port "$port"; done
    # Last: the news fill streams to innd while the other servers come up.
    start_news
    for port in $NEWS_PORTS; do wait_port "$port"; done
    cmd_check
    log "servers ready under $SRV"
}

cmd_check() {
    local ok=0 bad=0
    probe() {
        local what=$1; shift
        if "$@" >/dev/null 2>&1; then ok=$((ok + 1)); else bad=$((bad + 1)); log "check failed: $what"; fi
    }
    probe "gopher menu" sh -c "curl -sf gopher://127.0.0.1:$GOPHER_PORT/ | grep -q 'About this server'"
    probe "gopher text" sh -c "curl -sf gopher://127.0.0.1:$GOPHER_PORT/0/about.txt | grep -q 'byte for byte'"
    probe "gopher search" sh -c "curl -sf 'gopher://127.0.0.1:$GOPHER_PORT/7/cgi-bin/search%09apple' | grep -q pineapple"
    probe "gopher over ::1" sh -c "curl -sf 'gopher://[::1]:$GOPHER_PORT/' | grep -q Files"
    probe "http" sh -c "curl -sf http://127.0.0.1:$HTTP_PORT/ | grep -q 'test page'"
    probe "https h2" sh -c "curl -sf --http2 --cacert '$SRV/tls/ca.pem' https://localhost:$HTTPS_PORT/ | grep -q 'test page'"
    probe "telnet negotiates" sh -c "timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$TELNET_PORT; head -c 1 <&3' | od -An -tu1 | grep -q 255"
    probe "https self-signed" sh -c "curl -sf --cacert '$SRV/tls/selfsigned.pem' https://localhost:$SELF_SIGNED_PORT/ | grep -q 'test page'"
    check_ftp
    check_mail
    check_telnet3
    check_aiosmtpd
    check_news
    check_sockets
    log "$ok checks passed, $bad failed"
    [ "$bad" = 0 ]
}

cmd_stop() {
    [ -d "$SRV/pids" ] || return 0
    # innd ignores SIGTERM for a while; it is asked to shut down first.
    stop_news
    local f pid
    for f in "$SRV"/pids/*.pid; do
        [ -e "$f" ] || continue
        pid=$(cat "$f")
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    done
    sleep 0.5
    for f in "$SRV"/pids/*.pid; do
        [ -e "$f" ] || continue
        pid=$(cat "$f")
        if kill -0 "$pid" 2>/dev/null && ! ps -o stat= -p "$pid" | grep -q Z; then
            sleep 2
            kill -KILL -- "-$pid" 2>/dev/null || true
        fi
        rm -f "$f"
    done
    rm -f "$SRV/nginx/nginx.pid" "$SRV"/dovecot-*/run/master.pid "$SRV/exim/exim.pid"
    log "stopped"
}

cmd_env() {
    echo "PORTOLAN_TEST_SERVERS=1"
    echo "PORTOLAN_SRV=$SRV"
    echo "PORTOLAN_TEST_CA=$SRV/tls/ca.pem"
}

case "${1:-}" in
    install) cmd_install ;;
    start) cmd_start ;;
    check) cmd_check ;;
    stop) cmd_stop ;;
    env) cmd_env ;;
    *) echo "usage: $0 install|start|check|stop|env" >&2; exit 2 ;;
esac
