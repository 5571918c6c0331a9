# Raw socket peers, sourced by test-servers.sh: socat as a TCP echo server (7007) and a UDP
# echo server (7008), and OpenBSD netcat for the tests that send files to `nc -l` and receive
# them from `nc`.

SOCKET_PORTS="7007"

socket_packages_missing() {
    command -v socat >/dev/null || echo socat
    command -v nc.openbsd >/dev/null || echo netcat-openbsd
}

start_sockets() {
    start_bg tcp-echo socat TCP4-LISTEN:7007,bind=127.0.0.1,reuseaddr,fork PIPE
    start_bg udp-echo socat UDP4-RECVFROM:7008,bind=127.0.0.1,fork PIPE
}

check_sockets() {
    probe "tcp echo" sh -c "printf 'ping\n' | timeout 5 socat - TCP4:127.0.0.1:7007,shut-down | grep -q ping"
    probe "udp echo" sh -c "printf 'ping\n' | timeout 5 socat -T1 - UDP4:127.0.0.1:7008 | grep -q ping"
}
