# The news server, sourced by test-servers.sh: INN 2.7 from a private tree under $SRV/inn, owned
# by `news`. innd takes articles (the fill script streams them to it as a peer); nnrpd serves
# readers:
#   1119  reader, anonymous read and post; STARTTLS offered
#   1563  the same over NNTPS (implicit TLS, the test CA's certificate)
#   1121  reader that needs AUTHINFO USER/PASS (tester/secret) before anything
#   1564  NNTPS with the self-signed certificate (as `openssl req -x509` makes it)
#   1120  innd itself (the feeder; readers get transit mode there, so tests do not use it)
# Groups: local.general, local.test (threads, yEnc, uuencode, 8-bit headers), local.empty,
# secret.stuff (only after AUTHINFO on 1121) and test.bulk (100,000 threaded articles).

NEWS_PORTS="1119 1563 1121 1564"
NEWS_BULK="${PORTOLAN_NEWS_BULK:-100000}"

news_packages_missing() {
    [ -x /usr/lib/news/bin/innd ] || echo inn2
}

# inn2's postinst fails on a host without a domain name ("hostname does not resolve or domain
# not set"); giving the system inn.conf a domain lets it finish. The server used by the tests
# has its own inn.conf, so this only completes the install.
finish_inn_install() {
    dpkg -s inn2 2>/dev/null | grep -q '^Status: install ok installed' && return
    [ -e /etc/news/inn.conf ] || return 0
    sed -i 's/^#* *domain:.*/domain: localdomain/' /etc/news/inn.conf
    dpkg --configure -a
}

write_inn_tree() {
    local n="$SRV/inn"
    rm -rf "$n"
    mkdir -p "$n"/{etc,db,run,log,tmp,spool/articles,spool/overview,spool/incoming,spool/outgoing,spool/archive,http,filter}
    cp -r /etc/news/. "$n/etc/"
    cp -r /etc/news/filter/. "$n/filter/"
    cp "$SRV/tls/cert.pem" "$n/etc/cert.pem"
    cp "$SRV/tls/key.pem" "$n/etc/key.pem"
    cat > "$n/etc/inn.conf" <<EOF
organization: "Loopback Test News"
pathhost: news.localdomain
domain: localdomain
server: 127.0.0.1
port: 1120
bindaddress: 127.0.0.1
bindaddress6: "::1"
nnrpdpostport: 1120
mta: "/bin/true %s"
mailcmd: /bin/true
ovmethod: tradindexed
hismethod: hisv6
enableoverview: true
wireformat: true
artcutoff: 0
pgpverify: false
doinnwatch: false
docancels: all
maxartsize: 10000000
localmaxartsize: 10000000
maxconnections: 200
status: 0
timer: 0
tlscertfile: $n/etc/cert.pem
tlskeyfile: $n/etc/key.pem
pathnews: /usr/lib/news
pathbin: /usr/lib/news/bin
pathcontrol: /usr/lib/news/bin/control
pathfilter: $n/filter
pathetc: $n/etc
pathdb: $n/db
pathrun: $n/run
pathlog: $n/log
pathhttp: $n/http
pathtmp: $n/tmp
pathspool: $n/spool
patharticles: $n/spool/articles
pathoverview: $n/spool/overview
pathincoming: $n/spool/incoming
pathoutgoing: $n/spool/outgoing
patharchive: $n/spool/archive
EOF
    # Readers on 1119 and 1563 get every group but secret.*. The reader on 1121 runs with its
    # own etc/ (readers.conf cannot tell ports apart) and gives nothing before AUTHINFO, then
    # every group to tester.
    openssl passwd -6 secret | sed 's/^/tester:/' > "$n/db/newsusers"
    cat > "$n/etc/readers.conf" <<EOF
auth "open" {
    hosts: "127.0.0.1, ::1"
    default: "<open>"
}
access "open" {
    users: "<open>"
    newsgroups: "*,!secret.*"
    access: RPA
    addcanlockuser: none
}
EOF
    printf 'peer ME {\n  hostname: "localhost, 127.0.0.1, ::1"\n  streaming: true\n}\n' > "$n/etc/incoming.conf"
    printf 'ME:*::\n' > "$n/etc/newsfeeds"
    local now
    now=$(date +%s)
    # innd will not start without control and junk, which readers never see (flag n).
    {
        printf 'control 0000000000 0000000001 n\n'
        printf 'control.cancel 0000000000 0000000001 n\n'
        printf 'junk 0000000000 0000000001 n\n'
        printf 'local.general 0000000000 0000000001 y\n'
        printf 'local.test 0000000000 0000000001 y\n'
        printf 'local.empty 0000000000 0000000001 y\n'
        printf 'local.moderated 0000000000 0000000001 m\n'
        printf 'secret.stuff 0000000000 0000000001 y\n'
        printf 'test.bulk 0000000000 0000000001 y\n'
    } > "$n/db/active"
    : > "$n/db/active.times"
    for g in local.general local.test local.empty local.moderated secret.stuff test.bulk; do
        printf '%s %s tester@example.test\n' "$g" "$now" >> "$n/db/active.times"
    done
    {
        printf 'local.general\tGeneral talk on the loopback server.\n'
        printf 'local.test\tTest posts: threads, binaries, charsets.\n'
        printf 'local.empty\tA group with nothing in it.\n'
        printf 'local.moderated\tA moderated group (Moderated)\n'
        printf 'secret.stuff\tOnly for those who logged in.\n'
        printf 'test.bulk\tOne hundred thousand articles in threads.\n'
    } > "$n/db/newsgroups"
    : > "$n/db/history"
    cp -r "$n/etc" "$n/etc-auth"
    sed -i "s|^pathetc: .*|pathetc: $n/etc-auth|" "$n/etc-auth/inn.conf"
    cat > "$n/etc-auth/readers.conf" <<EOF
auth "login" {
    hosts: "127.0.0.1, ::1"
    auth: "ckpasswd -f $n/db/newsusers"
}
access "login" {
    users: "tester"
    newsgroups: "*"
    access: RPA
    addcanlockuser: none
}
EOF
    chown -R news:news "$n"
    # The self-signed reader: its own etc/ for its own certificate.
    cp -r "$n/etc" "$n/etc-self"
    cp "$SRV/tls/selfsigned.pem" "$n/etc-self/cert.pem"
    cp "$SRV/tls/selfsigned-key.pem" "$n/etc-self/key.pem"
    sed -i -e "s|^pathetc: .*|pathetc: $n/etc-self|" -e "s|$n/etc/cert.pem|$n/etc-self/cert.pem|" \
        -e "s|$n/etc/key.pem|$n/etc-self/key.pem|" "$n/etc-self/inn.conf"
    chown -R news:news "$n/etc-self"
    chmod 600 "$n/etc/key.pem" "$n/etc-auth/key.pem" "$n/etc-self/key.pem"
    inn_run /usr/lib/news/bin/makedbz -i -o -s 300000 -f "$n/db/history"
}

inn_run() {
    setpriv --reuid=news --regid=news --init-groups env INNCONF="$SRV/inn/etc/inn.conf" "$@"
}

start_news() {
    write_inn_tree
    local bin=/usr/lib/news/bin
    local as_news=(setpriv --reuid=news --regid=news --init-groups env INNCONF="$SRV/inn/etc/inn.conf")
    start_bg innd "${as_news[@]}" "$bin/innd" -d
    wait_port 1120
    start_bg nnrpd "${as_news[@]}" "$bin/nnrpd" -D -f -n -p 1119 -4 127.0.0.1 -6 ::1
    start_bg nnrpd-tls "${as_news[@]}" "$bin/nnrpd" -D -f -n -S -p 1563 -4 127.0.0.1 -6 ::1
    as_news[-1]="INNCONF=$SRV/inn/etc-auth/inn.conf"
    start_bg nnrpd-auth "${as_news[@]}" "$bin/nnrpd" -D -f -n -p 1121 -4 127.0.0.1 -6 ::1
    as_news[-1]="INNCONF=$SRV/inn/etc-self/inn.conf"
    start_bg nnrpd-self "${as_news[@]}" "$bin/nnrpd" -D -f -n -S -p 1564 -4 127.0.0.1 -6 ::1
    python3 "$(dirname "${BASH_SOURCE[0]}")/news-fill.py" 127.0.0.1 1120 "$NEWS_BULK" \
        || die "filling the news server failed"
}

stop_news() {
    [ -e "$SRV/inn/etc/inn.conf" ] || return 0
    inn_run /usr/lib/news/bin/ctlinnd -t 10 shutdown "tests done" >/dev/null 2>&1 || true
}

check_news() {
    probe "nntp reader" python3 - <<'EOF'
import socket
s = socket.create_connection(("127.0.0.1", 1119)); f = s.makefile("rb")
assert f.readline().startswith(b"200")
s.sendall(b"GROUP local.test\r\n"); assert f.readline().startswith(b"211")
EOF
    probe "nntps" sh -c "printf 'QUIT\r\n' | timeout 8 openssl s_client -quiet -CAfile '$SRV/tls/ca.pem' -verify_return_error -connect 127.0.0.1:1563 2>/dev/null | head -c 200 | grep -q '^20[01]'"
    probe "nntp bulk group" python3 - "$NEWS_BULK" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", 1119)); f = s.makefile("rb"); f.readline()
s.sendall(b"GROUP test.bulk\r\n"); count = int(f.readline().split()[1])
assert count == int(sys.argv[1]), count
EOF
}
