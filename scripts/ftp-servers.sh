# FTP test servers, sourced by test-servers.sh (which defines SRV, log, start_bg).
#
# vsftpd: 2121 plain with optional AUTH TLS (127.0.0.1, and ::1 from a second process),
# 2990 implicit TLS, 2124 TLS required with session reuse on the data connection, 2125 for the
# test that kills the session serving a transfer, 2126 AUTH TLS with a self-signed certificate.
# pure-ftpd (MLSD): 2123. pyftpdlib (MLSD, Python, in a venv from PyPI): 2122.
# Logins: tester/secret (a system user made here) and anonymous.

FTP_USER=tester
FTP_PASS=secret
FTP_PORTS="2121 2990 2124 2125 2126 2123 2122"

ftp_packages_missing() {
    command -v vsftpd >/dev/null || echo vsftpd
}

# pure-ftpd conflicts with vsftpd as a package, so its binary is unpacked, not installed.
install_pure_ftpd() {
    [ -x "$SRV/pure/usr/sbin/pure-ftpd" ] && return
    mkdir -p "$SRV/pure"
    (cd "$SRV/pure" && { apt-get download -qq pure-ftpd >/dev/null 2>&1 ||
        { apt-get update -qq && apt-get download -qq pure-ftpd; }; })
    dpkg -x "$SRV"/pure/pure-ftpd_*.deb "$SRV/pure"
}

install_pyftpdlib() {
    [ -x "$SRV/pyftpd/bin/python" ] && "$SRV/pyftpd/bin/python" -c 'import pyftpdlib, OpenSSL' 2>/dev/null && return
    make_venv "$SRV/pyftpd" pyftpdlib pyopenssl
}

make_ftp_user() {
    if ! id "$FTP_USER" >/dev/null 2>&1; then
        useradd -M -d "$SRV/ftp/home/$FTP_USER" -s /bin/bash "$FTP_USER"
    fi
    usermod -d "$SRV/ftp/home/$FTP_USER" "$FTP_USER" 2>/dev/null || true
    echo "$FTP_USER:$FTP_PASS" | chpasswd
    grep -qx /bin/bash /etc/shells || echo /bin/bash >> /etc/shells
}

write_ftp_content() {
    local f="$SRV/ftp" h="$SRV/ftp/home/$FTP_USER"
    rm -rf "$f/home" "$f/anon"
    mkdir -p "$f/empty" "$f/anon/pub" "$f/anon/upload" "$h/dir/sub" "$h/upload" "$f/logs"
    printf 'hello over FTP\n' > "$h/hello.txt"
    head -c 1048576 /dev/urandom > "$h/blob.bin"
    printf 'deep\n' > "$h/dir/sub/deep.txt"
    printf 'one\n' > "$h/dir/one.txt"
    printf 'spaces\n' > "$h/name with spaces.txt"
    printf 'latin-1 name\n' > "$h/$(printf 'caf\351.txt')"
    cp "$h/hello.txt" "$f/anon/pub/readme.txt"
    chown -R "$FTP_USER:$FTP_USER" "$h"
    chmod 755 "$f" "$f/home" "$f/anon" "$f/anon/pub"
    chown ftp:ftp "$f/anon/upload" 2>/dev/null || true
    chmod -R a+rX "$f/anon"
}

write_vsftpd_conf() {
    local f="$SRV/ftp"
    cat > "$f/vsftpd.conf" <<CONF
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=2121
background=NO
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
secure_chroot_dir=$f/empty
pam_service_name=vsftpd
vsftpd_log_file=$f/logs/vsftpd.log
xferlog_enable=YES
dual_log_enable=YES
log_ftp_protocol=YES
anonymous_enable=YES
no_anon_password=YES
anon_root=$f/anon
anon_upload_enable=YES
anon_mkdir_write_enable=YES
anon_umask=022
local_enable=YES
write_enable=YES
local_umask=022
chroot_local_user=YES
allow_writeable_chroot=YES
pasv_enable=YES
pasv_address=127.0.0.1
pasv_min_port=30000
pasv_max_port=30099
port_enable=YES
connect_from_port_20=NO
utf8_filesystem=YES
max_clients=200
max_per_ip=100
ssl_enable=YES
rsa_cert_file=$SRV/tls/fullchain.pem
rsa_private_key_file=$SRV/tls/key.pem
allow_anon_ssl=YES
force_local_logins_ssl=NO
force_local_data_ssl=NO
force_anon_logins_ssl=NO
force_anon_data_ssl=NO
ssl_tlsv1=YES
ssl_sslv2=NO
ssl_sslv3=NO
ssl_ciphers=HIGH
require_ssl_reuse=NO
CONF
    sed -e 's/^listen=YES/listen=NO/' -e 's/^listen_ipv6=NO/listen_ipv6=YES/' \
        -e 's/^listen_address=127.0.0.1/listen_address6=::1/' -e '/^pasv_address=/d' \
        -e 's/^pasv_min_port=30000/pasv_min_port=30500/' -e 's/^pasv_max_port=30099/pasv_max_port=30599/' \
        "$f/vsftpd.conf" > "$f/vsftpd6.conf"
    sed -e 's/^listen_port=2121/listen_port=2990/' -e '$a implicit_ssl=YES' \
        -e 's/^pasv_min_port=30000/pasv_min_port=30100/' -e 's/^pasv_max_port=30099/pasv_max_port=30199/' \
        "$f/vsftpd.conf" > "$f/vsftpd-implicit.conf"
    sed -e 's/^listen_port=2121/listen_port=2124/' -e 's/^anonymous_enable=YES/anonymous_enable=NO/' \
        -e 's/^force_local_logins_ssl=NO/force_local_logins_ssl=YES/' \
        -e 's/^force_local_data_ssl=NO/force_local_data_ssl=YES/' \
        -e 's/^require_ssl_reuse=NO/require_ssl_reuse=YES/' \
        -e 's/^pasv_min_port=30000/pasv_min_port=30400/' -e 's/^pasv_max_port=30099/pasv_max_port=30499/' \
        "$f/vsftpd.conf" > "$f/vsftpd-strict.conf"
    # 2125: only for the test that kills the sessions serving a transfer mid-way.
    sed -e 's/^listen_port=2121/listen_port=2125/' \
        -e 's/^pasv_min_port=30000/pasv_min_port=30600/' -e 's/^pasv_max_port=30099/pasv_max_port=30699/' \
        "$f/vsftpd.conf" > "$f/vsftpd-kill.conf"
    # 2126: AUTH TLS with a self-signed certificate (CA:TRUE, as `openssl req -x509` makes it).
    sed -e 's/^listen_port=2121/listen_port=2126/' \
        -e "s|^rsa_cert_file=.*|rsa_cert_file=$SRV/tls/selfsigned.pem|" \
        -e "s|^rsa_private_key_file=.*|rsa_private_key_file=$SRV/tls/selfsigned-key.pem|" \
        -e 's/^pasv_min_port=30000/pasv_min_port=30700/' -e 's/^pasv_max_port=30099/pasv_max_port=30799/' \
        "$f/vsftpd.conf" > "$f/vsftpd-selfsigned.conf"
}

start_ftp() {
    make_ftp_user
    write_ftp_content
    write_vsftpd_conf
    install_pure_ftpd
    local conf
    for conf in vsftpd vsftpd6 vsftpd-implicit vsftpd-strict vsftpd-kill vsftpd-selfsigned; do
        start_bg "$conf" vsftpd "$SRV/ftp/$conf.conf"
    done
    start_bg pure-ftpd "$SRV/pure/usr/sbin/pure-ftpd" -S 127.0.0.1,2123 -p 30300:30399 -P 127.0.0.1 \
        -l unix -E -A -H -u 1000 -Y 1 -2 "$SRV/tls/fullchain.pem,$SRV/tls/key.pem"
    install_pyftpdlib
    start_bg pyftpdlib "$SRV/pyftpd/bin/python" -m pyftpdlib -i 127.0.0.1 -p 2122 \
        -d "$SRV/ftp/home/$FTP_USER" -u "$FTP_USER" -P "$FTP_PASS" -w -r 30200-30299 \
        --tls --certfile "$SRV/tls/fullchain.pem" --keyfile "$SRV/tls/key.pem"
}

check_ftp() {
    local ca="$SRV/tls/ca.pem" u="$FTP_USER:$FTP_PASS"
    probe "ftp anonymous" sh -c "curl -sf ftp://127.0.0.1:2121/pub/readme.txt | grep -q 'hello over FTP'"
    probe "ftp user, AUTH TLS" sh -c "curl -sf --ssl-reqd --cacert '$ca' ftp://$u@localhost:2121/hello.txt | grep -q hello"
    probe "ftps implicit" sh -c "curl -sf --cacert '$ca' ftps://$u@localhost:2990/hello.txt | grep -q hello"
    probe "ftp strict TLS" sh -c "curl -sf --ssl-reqd --cacert '$ca' ftp://$u@localhost:2124/hello.txt | grep -q hello"
    probe "ftp with a self-signed certificate" sh -c "curl -sf --ssl-reqd --cacert '$SRV/tls/selfsigned.pem' ftp://$u@localhost:2126/hello.txt | grep -q hello"
    probe "ftp for the kill test" sh -c "curl -sf ftp://$u@127.0.0.1:2125/hello.txt | grep -q hello"
    probe "ftp over ::1" sh -c "curl -sf 'ftp://[::1]:2121/pub/readme.txt' | grep -q hello"
    probe "pure-ftpd MLSD" sh -c "curl -sf -X MLSD ftp://$u@127.0.0.1:2123/ | grep -q 'type=file'"
    probe "pyftpdlib MLSD" sh -c "curl -sf -X MLSD ftp://$u@127.0.0.1:2122/ | grep -q 'type=file'"
}
