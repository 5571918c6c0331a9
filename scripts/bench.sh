#!/usr/bin/env bash
# Performance figures, printed (nothing here asserts a time):
#   1. `portolan get` of a 1 GiB file over HTTP from nginx and FTP from vsftpd against `curl -o`,
#      same run; mirror against lftp; a speed-limited download against curl --limit-rate
#   2. frame cost of the Browser panel with a 100,000-item menu (headless, cargo bench)
#   3. startup: launch to first frame, under Xvfb
#   4. idle CPU of the window with one page loaded, under Xvfb
#   5. mail: a 100,000-message IMAP folder's first and second sync against a raw socket and
#      imaplib, search per keystroke, the list's memory, CPU in IDLE; 1,000 POP3 messages
#      against a raw RETR loop (cargo bench --bench mail_sync; fills the bulk mailboxes)
#   6. terminal: a 50 MB ANSI stream through a Telnet session against alacritty_terminal alone,
#      frame cost of a 200x60 terminal under output and idle, key press to wire
#      (cargo bench --bench terminal)
#   7. sending: a message with a 20 MB attachment submitted to exim against curl -T of the same
#      bytes (cargo bench --bench smtp_send)
#   8. news: OVER of a 100,000-article group into the store against a raw socket drain and
#      nntplib, search over it, the group filter per keystroke (cargo bench --bench news_over)
#   9. raw TCP: 1 GiB sent by `portolan tcp` and `portolan send-file` against `nc -N`, and
#      received by `portolan listen --receive` against `nc -l`, same run
# Usage: scripts/bench.sh [runs]   (default 5 runs per download measurement)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-5}"
SRV="${PORTOLAN_SRV:-/tmp/portolan-srv}"
BIN=target/release/portolan
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

scripts/test-servers.sh install >/dev/null
scripts/test-servers.sh start >/dev/null 2>&1
cargo build --release --quiet

# Kept outside the web root, which the server script rewrites, and linked into it.
BIG="$SRV/big.bin"
if [ ! -s "$BIG" ] || [ "$(stat -c %s "$BIG")" != 1073741824 ]; then
    echo "making a 1 GiB test file (random data)"
    head -c 1073741824 /dev/urandom > "$BIG"
    chmod a+r "$BIG"
fi
ln -f "$BIG" "$SRV/www/big.bin"
cat "$BIG" > /dev/null # into the page cache, as the baselines assume

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
calc() { awk "BEGIN { print $1 }"; }
timed() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); calc "$e - $s"; }

# Downloads land on tmpfs when there is one: disk write-back on this kind of VM varies by
# a factor of two from run to run and would drown the difference between the clients.
DL="$OUT"
if [ -d /dev/shm ] && [ -w /dev/shm ]; then DL=$(mktemp -d /dev/shm/portolan-bench.XXXXXX); fi
# compare LABEL PORTOLAN-COMMAND CURL-COMMAND: both write $DL/out.bin, alternating, $RUNS each.
compare() {
    local label=$1 pcmd=$2 ccmd=$3
    : > "$OUT/p"; : > "$OUT/c"
    for _ in $(seq "$RUNS"); do
        timed sh -c "$pcmd" >> "$OUT/p"; rm -rf "$DL/out.bin" "$DL/out"
        timed sh -c "$ccmd" >> "$OUT/c"; rm -rf "$DL/out.bin" "$DL/out"
    done
    local p c
    p=$(median < "$OUT/p"); c=$(median < "$OUT/c")
    printf '%s\n  portolan: %.2f s (%.0f MB/s)   %s: %.2f s (%.0f MB/s)   portolan/%s: %.2f\n' \
        "$label" "$p" "$(calc "${MB:-1073.741824} / $p")" "${OTHER:-curl}" "$c" "$(calc "${MB:-1073.741824} / $c")" "${OTHER:-curl}" "$(calc "$p / $c")"
}

echo "== 1. 1 GiB downloads on loopback into $DL, median of $RUNS runs each, alternating"
compare "HTTP from nginx" \
    "$BIN get http://127.0.0.1:8080/big.bin -o $DL/out.bin" \
    "curl -s -o $DL/out.bin http://127.0.0.1:8080/big.bin"
ln -f "$BIG" "$SRV/ftp/home/tester/big.bin"
export PORTOLAN_PASSWORD=secret
CA="$SRV/tls/ca.pem"
compare "FTP from vsftpd, plain (EPSV)" \
    "$BIN get --tls plain --user tester ftp://127.0.0.1:2121/big.bin -o $DL/out.bin" \
    "curl -s -o $DL/out.bin ftp://tester:secret@127.0.0.1:2121/big.bin"
compare "FTP from vsftpd, AUTH TLS + PROT P" \
    "$BIN get --tls require --cacert $CA --user tester ftp://localhost:2121/big.bin -o $DL/out.bin" \
    "curl -s --ssl-reqd --cacert $CA -o $DL/out.bin ftp://tester:secret@localhost:2121/big.bin"

echo "== 1b. mirror of an FTP tree from vsftpd, plain, 3 connections, against lftp (median of $RUNS)"
if ! command -v lftp >/dev/null; then
    apt-get install -y -qq --no-install-recommends lftp >/dev/null 2>&1 ||
        { apt-get update -qq && apt-get install -y -qq --no-install-recommends lftp >/dev/null; }
fi
T="$SRV/ftp/home/tester/bench"
rm -rf "$T"; mkdir -p "$T/small" "$T/large"
for d in $(seq 0 9); do
    mkdir -p "$T/small/d$d"
    for f in $(seq 0 99); do head -c $((1024 + (d * 100 + f) * 3)) /dev/urandom > "$T/small/d$d/f$f.dat"; done
done
for f in $(seq 0 9); do head -c 52428800 /dev/urandom > "$T/large/big$f.dat"; done
chown -R tester:tester "$T"
LFTP="set ftp:ssl-allow no; set net:max-retries 1"
MB=$(du -sm --apparent-size "$T/small" | awk '{print $1}')
OTHER=lftp
compare "1,000 small files (${MB} MB in 10 folders)" \
    "$BIN mirror --tls plain --parallel 3 --user tester ftp://127.0.0.1:2121/bench/small $DL/out" \
    "lftp -u tester,secret -e '$LFTP; mirror --parallel=3 /bench/small $DL/out; quit' ftp://127.0.0.1:2121"
MB=500
compare "10 files of 50 MB" \
    "$BIN mirror --tls plain --parallel 3 --user tester ftp://127.0.0.1:2121/bench/large $DL/out" \
    "lftp -u tester,secret -e '$LFTP; mirror --parallel=3 /bench/large $DL/out; quit' ftp://127.0.0.1:2121"
unset MB OTHER

echo "== 1c. speed limit: 100 MiB from vsftpd at --limit-rate 20M (20 MiB/s) against curl's --limit-rate"
head -c 104857600 "$BIG" > "$SRV/ftp/home/tester/limit.bin"
chmod a+r "$SRV/ftp/home/tester/limit.bin"
p=$(timed "$BIN" get --tls plain --limit-rate 20M --user tester ftp://127.0.0.1:2121/limit.bin -o "$DL/out.bin"); rm -f "$DL/out.bin"
c=$(timed curl -s --limit-rate 20M -o "$DL/out.bin" ftp://tester:secret@127.0.0.1:2121/limit.bin); rm -f "$DL/out.bin"
printf '  limit 20.0 MiB/s   portolan: %.2f s (%.1f MiB/s)   curl: %.2f s (%.1f MiB/s)\n' \
    "$p" "$(calc "100 / $p")" "$c" "$(calc "100 / $c")"
rm -f "$SRV/ftp/home/tester/limit.bin"
[ "$DL" = "$OUT" ] || rm -rf "$DL"

echo "== 2. frame cost (headless, release)"
cargo bench --quiet --bench frame_cost 2>/dev/null | grep -E "ms/frame"

echo "== 5. mail (dovecot on loopback)"
cargo bench --quiet --bench mail_sync 2>/dev/null | grep -v "^running\|^test result"

echo "== 6. terminal (in-process host on loopback)"
cargo bench --quiet --bench terminal 2>/dev/null | grep -v "^running\|^test result"

echo "== 7. sending (exim on loopback, STARTTLS + AUTH)"
cargo bench --quiet --bench smtp_send 2>/dev/null | grep -v "^running\|^test result"

echo "== 9. raw TCP, 1 GiB over loopback ($RUNS runs each, medians)"
listening() { until ss -ltnH "sport = :$1" | grep -q .; do sleep 0.02; done; }
# send_timed PORT SENDER: nc -l receives to /dev/null; the clock runs until both ends are done.
send_timed() {
    local port=$1 cmd=$2 r s e
    nc.openbsd -l 127.0.0.1 "$port" >/dev/null & r=$!
    listening "$port"
    s=$(date +%s.%N); sh -c "$cmd" >/dev/null 2>&1; wait "$r"; e=$(date +%s.%N)
    calc "$e - $s"
}
# receive_timed PORT RECEIVER: nc -N sends the file to RECEIVER (writing $DL/out.bin).
receive_timed() {
    local port=$1 cmd=$2 r s e
    sh -c "$cmd" >/dev/null 2>&1 & r=$!
    listening "$port"
    s=$(date +%s.%N); nc.openbsd -N 127.0.0.1 "$port" < "$BIG" >/dev/null; wait "$r"; e=$(date +%s.%N)
    rm -f "$DL/out.bin"
    calc "$e - $s"
}
: > "$OUT/tcp"; : > "$OUT/sendfile"; : > "$OUT/ncsend"; : > "$OUT/recv"; : > "$OUT/ncrecv"
for i in $(seq "$RUNS"); do
    send_timed 47001 "$BIN tcp 127.0.0.1:47001 < '$BIG'" >> "$OUT/tcp"
    send_timed 47002 "$BIN send-file '$BIG' 127.0.0.1:47002" >> "$OUT/sendfile"
    send_timed 47003 "nc.openbsd -N 127.0.0.1 47003 < '$BIG'" >> "$OUT/ncsend"
    receive_timed 47004 "$BIN listen 127.0.0.1:47004 --receive '$DL/out.bin'" >> "$OUT/recv"
    receive_timed 47005 "nc.openbsd -l 127.0.0.1 47005 > '$DL/out.bin'" >> "$OUT/ncrecv"
done
NC=$(median < "$OUT/ncsend"); NCR=$(median < "$OUT/ncrecv")
for what in tcp sendfile recv; do
    t=$(median < "$OUT/$what")
    base=$NC; [ "$what" = recv ] && base=$NCR
    printf '  %-9s %.2f s (%.0f MB/s)   nc: %.2f s   portolan/nc: %.2f\n' "$what" "$t" \
        "$(calc "1073.741824 / $t")" "$base" "$(calc "$t / $base")"
done

echo "== 8. news (INN on loopback)"
cargo bench --quiet --bench news_over 2>/dev/null | grep -v "^running\|^test result"

echo "== 3 and 4 need a display: Xvfb"
if ! command -v Xvfb >/dev/null; then
    echo "Xvfb not installed (apt-get install xvfb): skipped"
    exit 0
fi
Xvfb :97 -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
XVFB=$!
trap 'kill $XVFB 2>/dev/null; rm -rf "$OUT"' EXIT
export DISPLAY=:97 XDG_RUNTIME_DIR="$OUT/xdg" XDG_DATA_HOME="$OUT/data" XDG_CONFIG_HOME="$OUT/config"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
sleep 1
echo "== 3. startup, launch to first frame (warm, 5 runs)"
"$BIN" --version >/dev/null
for _ in 1 2 3 4 5; do
    PORTOLAN_STARTUP_PROBE=1 "$BIN" 2>/dev/null | sed -n 's/first frame after \([0-9.]*\) ms/\1/p'
done | median | xargs printf 'median %s ms\n'

echo "== 4. idle CPU with a gopher menu loaded (10 s)"
"$BIN" gopher://localhost:7070/ >/dev/null 2>&1 &
APP=$!
sleep 5
ticks() { awk '{print $14 + $15}' "/proc/$APP/stat"; }
T0=$(ticks); sleep 10; T1=$(ticks)
kill "$APP" 2>/dev/null || true
HZ=$(getconf CLK_TCK)
printf 'CPU used while idle: %d ticks in 10 s (%.2f %% of one core)\n' "$((T1 - T0))" "$(calc "($T1 - $T0) * 100 / ($HZ * 10)")"
