# Raw socket peers and the tools' servers, sourced by test-servers.sh: socat as a TCP echo
# server (7007) and a UDP echo server (7008); OpenBSD netcat for the tests that send files to
# `nc -l` and receive them from `nc`; dnsmasq as a DNS server for a test zone (5354, UDP and
# TCP); Python's xmlrpc.server (8091, scripts/xmlrpc-server.py).

SOCKET_PORTS="7007 5354 8091"
DNS_PORT=5354
XMLRPC_PORT=8091

socket_packages_missing() {
    command -v socat >/dev/null || echo socat
    command -v nc.openbsd >/dev/null || echo netcat-openbsd
    [ -x /usr/sbin/dnsmasq ] || echo dnsmasq-base
}

start_sockets() {
    start_bg tcp-echo socat TCP4-LISTEN:7007,bind=127.0.0.1,reuseaddr,fork PIPE
    start_bg udp-echo socat UDP4-RECVFROM:7008,bind=127.0.0.1,fork PIPE
    # The zone portolan.test: addresses in the documentation ranges (with their reverse names), an alias, two mail
    # exchangers and two texts. Other names in it do not exist; nothing is forwarded.
    start_bg dns /usr/sbin/dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv \
        --no-hosts --port="$DNS_PORT" --listen-address=127.0.0.1 --bind-interfaces \
        --pid-file= --log-facility=- --local=/portolan.test/ \
        --host-record=www.portolan.test,192.0.2.10,2001:db8::10 \
        --host-record=mail.portolan.test,192.0.2.25 \
        --cname=alias.portolan.test,www.portolan.test \
        --mx-host=portolan.test,mail.portolan.test,10 \
        --mx-host=portolan.test,backup.portolan.test,20 \
        --txt-record=portolan.test,"v=spf1 -all" \
        --txt-record=portolan.test,"hello world"
    start_bg xmlrpc python3 "$(dirname "$0")/xmlrpc-server.py" "$XMLRPC_PORT"
}

check_sockets() {
    probe "tcp echo" sh -c "printf 'ping\n' | timeout 5 socat - TCP4:127.0.0.1:7007,shut-down | grep -q ping"
    probe "udp echo" sh -c "printf 'ping\n' | timeout 5 socat -T1 - UDP4:127.0.0.1:7008 | grep -q ping"
    probe "xml-rpc" sh -c "curl -sf -H 'Content-Type: text/xml' --data '<?xml version=\"1.0\"?><methodCall><methodName>add</methodName><params><param><value><int>2</int></value></param><param><value><int>3</int></value></param></params></methodCall>' http://127.0.0.1:$XMLRPC_PORT/RPC2 | grep -q '<int>5</int>'"
    probe "dns" python3 -c "
import socket,struct
q=struct.pack('>HHHHHH',1,256,1,0,0,0)+b''.join(bytes([len(p)])+p.encode() for p in 'www.portolan.test'.split('.'))+b'\0'+struct.pack('>HH',1,1)
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.settimeout(3);s.sendto(q,('127.0.0.1',$DNS_PORT))
r=s.recv(512);assert r[-4:]==bytes([192,0,2,10]),r"
}
