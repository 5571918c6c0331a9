# Mail test servers, sourced by test-servers.sh (which defines SRV, log, start_bg, wait_port).
#
# dovecot: IMAP 1143 (STARTTLS offered, plain allowed on loopback), IMAPS 1993, POP3 1110
# (STLS offered), POP3S 1995, LMTP 2424 for exim's deliveries. A second dovecot on 1144/1111
# that offers no STARTTLS at all, for the test that an account set to STARTTLS never logs in
# in plain text; it also shows the same mail as another kind of server would: "." as the
# delimiter, no SPECIAL-USE, no CONDSTORE or QRESYNC.
# exim: SMTP 2525 (STARTTLS, AUTH PLAIN/LOGIN) and 2465 (implicit TLS), delivering local mail
# to dovecot over LMTP, so a test can send and then see the message arrive over IMAP IDLE.
#
# Mailboxes (all with the password "secret", all owned by the system user tester):
#   tester   the corpus of hard messages from tests/mail-corpus in INBOX, plus a 20 MB one
#   reader   the same corpus without the big one, for the window's tests (which mark read)
#   popper   ten small messages, for POP3 downloads that delete
#   idler    empty; tests deliver to it through exim
#   scratch  empty; tests make and remove folders in it
#   sink     whatever exim would have relayed elsewhere
#   bulk     empty; the benchmark fills it with 100,000 messages (IMAP)
#   pbulk    empty; the benchmark fills it with 1,000 messages (POP3)
#   postie   empty; the composer's tests send to it (and log in to exim as it)
#   writer   empty; the composer's window test sends from it and finds its Sent copy

MAIL_USERS="tester reader popper idler scratch sink bulk pbulk postie writer"
MAIL_PORTS="1143 1993 1110 1995 2424 1144 1111 2525 2465"

mail_packages_missing() {
    [ -x /usr/sbin/dovecot ] || echo dovecot-core
    [ -x /usr/lib/dovecot/imap ] || echo dovecot-imapd
    [ -x /usr/lib/dovecot/pop3 ] || echo dovecot-pop3d
    [ -x /usr/lib/dovecot/lmtp ] || echo dovecot-lmtpd
    command -v exim4 >/dev/null || echo exim4-daemon-light
}

# One Maildir message file whose name carries its sizes (so dovecot never stats it for
# RFC822.SIZE) and whose mtime is the INTERNALDATE.
maildir_put() {
    local dir=$1 src=$2 seq=$3 flags=$4 when=$5
    local size vsize name
    size=$(stat -c %s "$src")
    # The size with CRLF line ends, as IMAP counts it.
    vsize=$(($(tr -d '\r' < "$src" | wc -c) + $(tr -cd '\n' < "$src" | wc -c)))
    name="$when.M${seq}P$$.portolan,S=$size,W=$vsize:2,$flags"
    cp "$src" "$dir/cur/$name"
    touch -d "@$when" "$dir/cur/$name"
}

make_maildir() {
    local home=$1
    mkdir -p "$home/Maildir/cur" "$home/Maildir/new" "$home/Maildir/tmp"
}

write_mail_boxes() {
    local corpus m i when
    corpus="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/mail-corpus"
    rm -rf "$SRV/mail"
    for u in $MAIL_USERS; do make_maildir "$SRV/mail/$u"; done
    # The corpus: one file per hard case, dated a day apart in name order, the first one read.
    when=1700000000
    i=0
    for m in "$corpus"/*.eml; do
        i=$((i + 1))
        local flags=""
        [ "$i" = 1 ] && flags=S
        maildir_put "$SRV/mail/tester/Maildir" "$m" "$i" "$flags" "$when"
        maildir_put "$SRV/mail/reader/Maildir" "$m" "$i" "$flags" "$when"
        when=$((when + 86400))
    done
    # A message with a 20 MB attachment, made here instead of being committed.
    {
        printf 'From: Big Sender <big@example.test>\r\nTo: tester@localhost\r\n'
        printf 'Subject: A 20 MB attachment\r\nDate: Fri, 01 Dec 2023 10:00:00 +0000\r\n'
        printf 'Message-ID: <big-attachment@example.test>\r\nMIME-Version: 1.0\r\n'
        printf 'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        printf -- '--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nThe file is attached.\r\n'
        printf -- '--b1\r\nContent-Type: application/octet-stream; name="big.bin"\r\n'
        printf 'Content-Disposition: attachment; filename="big.bin"\r\n'
        printf 'Content-Transfer-Encoding: base64\r\n\r\n'
        head -c 20000000 /dev/zero | base64 -w 76 | sed 's/$/\r/'
        printf -- '--b1--\r\n'
    } > "$SRV/mail/big.eml"
    i=$((i + 1))
    maildir_put "$SRV/mail/tester/Maildir" "$SRV/mail/big.eml" "$i" "" "$when"
    rm -f "$SRV/mail/big.eml"
    # Folders with children and a name outside ASCII (modified UTF-7 on the wire).
    mkdir -p "$SRV/mail/tester/Maildir/.Archive/cur" "$SRV/mail/tester/Maildir/.Archive.2023/cur"
    # "Entwürfe": Maildir++ folder names are modified UTF-7 on disk too.
    mkdir -p "$SRV/mail/tester/Maildir/.Entw&APw-rfe/cur" "$SRV/mail/reader/Maildir/.Entw&APw-rfe/cur"
    # Ten small messages for POP3.
    for i in $(seq 1 10); do
        printf 'From: pop@example.test\r\nTo: popper@localhost\r\nSubject: POP message %s\r\nMessage-ID: <pop%s@example.test>\r\n\r\nBody of message %s.\r\n.starts with a dot\r\n' \
            "$i" "$i" "$i" > "$SRV/mail/pop.eml"
        maildir_put "$SRV/mail/popper/Maildir" "$SRV/mail/pop.eml" "$i" "" $((1700000000 + i))
    done
    rm -f "$SRV/mail/pop.eml"
    chown -R "$FTP_USER:$FTP_USER" "$SRV/mail"
    chmod -R u+rwX,go-rwx "$SRV/mail"
    chmod 755 "$SRV/mail"
}

# $1: instance name, $2: IMAP port, $3: POP3 port, $4: "ssl" for STARTTLS and the TLS ports.
write_dovecot_conf() {
    local name=$1 imap=$2 pop=$3 tls=$4
    local d="$SRV/dovecot-$name"
    mkdir -p "$d/run" "$d/state" "$d/logs"
    local uid gid
    uid=$(id -u "$FTP_USER")
    gid=$(id -g "$FTP_USER")
    : > "$d/users"
    for u in $MAIL_USERS; do
        printf '%s:{PLAIN}secret:%s:%s::%s/mail/%s::\n' "$u" "$uid" "$gid" "$SRV" "$u" >> "$d/users"
    done
    {
        printf 'protocols = imap pop3%s\n' "$([ "$tls" = ssl ] && echo ' lmtp')"
        printf 'listen = 127.0.0.1, ::1\n'
        printf 'base_dir = %s/run\nstate_dir = %s/state\ninstance_name = portolan-%s\n' "$d" "$d" "$name"
        printf 'log_path = %s/logs/dovecot.log\n' "$d"
        if [ "$tls" = ssl ]; then
            printf 'ssl = yes\nssl_cert = <%s/tls/fullchain.pem\nssl_key = <%s/tls/key.pem\n' "$SRV" "$SRV"
        else
            printf 'ssl = no\n'
        fi
        printf 'disable_plaintext_auth = no\nauth_mechanisms = plain login\n'
        printf 'mail_location = maildir:~/Maildir\nmail_max_userip_connections = 200\n'
        printf 'first_valid_uid = %s\n' "$uid"
        printf 'passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%%n %s/users\n}\n' "$d"
        printf 'userdb {\n  driver = passwd-file\n  args = username_format=%%n %s/users\n}\n' "$d"
        if [ "$tls" = ssl ]; then
            printf 'namespace inbox {\n  inbox = yes\n  separator = /\n'
            for box in Drafts Sent Trash Junk; do
                printf '  mailbox %s {\n    special_use = \\%s\n    auto = subscribe\n  }\n' "$box" "$box"
            done
            printf '}\n'
        else
            # The second instance is another kind of server over the same mail: "." as the
            # hierarchy delimiter, no SPECIAL-USE, and no CONDSTORE or QRESYNC announced.
            printf 'namespace inbox {\n  inbox = yes\n  separator = .\n}\n'
            printf 'imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT THREAD=REFERENCES MULTIAPPEND UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED ESEARCH SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE LITERAL+\n'
        fi
        printf 'service imap-login {\n  inet_listener imap {\n    port = %s\n  }\n' "$imap"
        if [ "$tls" = ssl ]; then
            printf '  inet_listener imaps {\n    port = 1993\n    ssl = yes\n  }\n'
        else
            printf '  inet_listener imaps {\n    port = 0\n  }\n'
        fi
        printf '}\n'
        printf 'service pop3-login {\n  inet_listener pop3 {\n    port = %s\n  }\n' "$pop"
        if [ "$tls" = ssl ]; then
            printf '  inet_listener pop3s {\n    port = 1995\n    ssl = yes\n  }\n'
        else
            printf '  inet_listener pop3s {\n    port = 0\n  }\n'
        fi
        printf '}\n'
        if [ "$tls" = ssl ]; then
            printf 'service lmtp {\n  inet_listener lmtp {\n    address = 127.0.0.1\n    port = 2424\n  }\n}\n'
            printf 'protocol lmtp {\n  postmaster_address = postmaster@localhost\n}\n'
        fi
        printf 'protocol pop3 {\n  pop3_uidl_format = %%08Xu%%08Xv\n}\n'
    } > "$d/dovecot.conf"
}

write_exim_conf() {
    local e="$SRV/exim"
    mkdir -p "$e/spool" "$e/log"
    : > "$e/passwd"
    for u in $MAIL_USERS; do printf '%s: secret\n' "$u" >> "$e/passwd"; done
    cat > "$e/exim.conf" <<EOF
primary_hostname = localhost
qualify_domain = localhost
keep_environment =
exim_user = Debian-exim
exim_group = Debian-exim
never_users = root
spool_directory = $e/spool
log_file_path = $e/log/%slog
pid_file_path = $e/exim.pid
local_interfaces = <; 127.0.0.1 ; ::1
daemon_smtp_ports = 2525 : 2465
tls_on_connect_ports = 2465
tls_advertise_hosts = *
tls_certificate = $e/cert.pem
tls_privatekey = $e/key.pem
auth_advertise_hosts = *
host_lookup =
rfc1413_hosts =
message_size_limit = 50M
domainlist local_domains = localhost : localhost.localdomain : example.test
acl_smtp_rcpt = check_recipient

begin acl
check_recipient:
  accept hosts = :
  accept authenticated = *
  accept domains = +local_domains
  deny message = relay not permitted (authenticate first)

begin routers
local_mailbox:
  driver = accept
  domains = +local_domains
  local_parts = lsearch;$e/passwd
  transport = to_dovecot
elsewhere:
  driver = redirect
  data = sink@localhost
  headers_add = X-Original-To: \$local_part@\$domain

begin transports
to_dovecot:
  driver = smtp
  protocol = lmtp
  hosts = 127.0.0.1
  port = 2424
  allow_localhost
  hosts_avoid_tls = *

begin authenticators
PLAIN:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = \${if and {{!eq{\$auth3}{}}{eq{\$auth3}{\${lookup{\$auth2}lsearch{$e/passwd}}}}}}
  server_set_id = \$auth2
LOGIN:
  driver = plaintext
  public_name = LOGIN
  server_prompts = <| Username: | Password:
  server_condition = \${if and {{!eq{\$auth2}{}}{eq{\$auth2}{\${lookup{\$auth1}lsearch{$e/passwd}}}}}}
  server_set_id = \$auth1
EOF
    # exim reads its key after dropping root, so it gets its own copy.
    cp "$SRV/tls/fullchain.pem" "$e/cert.pem"
    cp "$SRV/tls/key.pem" "$e/key.pem"
    chown -R Debian-exim:Debian-exim "$e/spool" "$e/log" "$e/key.pem"
    chmod 600 "$e/key.pem"
    chmod 644 "$e/exim.conf" "$e/passwd"
}

start_mail() {
    write_mail_boxes
    write_dovecot_conf main 1143 1110 ssl
    write_dovecot_conf notls 1144 1111 none
    write_exim_conf
    local name
    for name in main notls; do
        rm -f "$SRV/dovecot-$name/run/master.pid"
        start_bg "dovecot-$name" /usr/sbin/dovecot -F -c "$SRV/dovecot-$name/dovecot.conf"
    done
    rm -f "$SRV/exim/exim.pid"
    start_bg exim exim4 -C "$SRV/exim/exim.conf" -bdf
}

check_mail() {
    probe "imap login" sh -c "curl -sf --user tester:secret 'imap://127.0.0.1:1143/INBOX?ALL' | grep -q SEARCH"
    probe "imaps" sh -c "curl -sf --cacert '$SRV/tls/ca.pem' --user tester:secret 'imaps://localhost:1993/' | grep -q INBOX"
    probe "imap starttls" sh -c "curl -sf --ssl-reqd --cacert '$SRV/tls/ca.pem' --user tester:secret 'imap://localhost:1143/' | grep -q Archive"
    probe "pop3s" sh -c "curl -sf --cacert '$SRV/tls/ca.pem' --user popper:secret 'pop3s://localhost:1995/' | grep -q '^10 '"
    probe "pop3 without tls" sh -c "curl -sf --user popper:secret 'pop3://127.0.0.1:1111/1' | grep -q 'POP message 1'"
    probe "smtp" sh -c "printf 'Subject: check\r\n\r\nhello\r\n' | curl -sf --ssl-reqd --cacert '$SRV/tls/ca.pem' --user sink:secret --mail-from sink@localhost --mail-rcpt sink@localhost -T - smtp://localhost:2525"
}
