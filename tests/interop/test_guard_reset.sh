#!/usr/bin/env bash
# s7 guard: a client that resets its connection while the CPU's reply to it is on the way.
# The guard forwards the client's read on its dedicated upstream connection; it is then
# stopped (SIGSTOP) while the CPU answers and the client resets (SO_LINGER 0), so that on
# SIGCONT the upstream's reply is the first event of the batch: delivering it fails ("send
# failed"), the client is closed and its dedicated upstream with it.  The guard must go on
# (it crashed with SIGSEGV using the upstream it had just closed) and serve a new client.
# The CPU and the clients are scripted here (python3: raw TPKT/COTP/S7 frames), as only a
# scripted CPU can hold back its reply until the test says.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_s7_bin
command -v python3 >/dev/null 2>&1 || { skip "python3 not installed"; exit 77; }

RULES="$S7_TEST_TMP/rules.yaml"
cat >"$RULES" <<'YAML'
partners:
  - name: scada
    address: 127.0.0.1
    type: pg
    read: [DB1.DBB0..63]
YAML

free_port >/dev/null || die "no free port"
G_PORT="$S7_FREE_PORT"
G_LOG="$S7_TEST_TMP/guard.log"
OUT="$S7_TEST_TMP/peer.out"

# The scripted CPU and clients; S7 frames as docs/s7-protocol.md lays them out.
cat >"$S7_TEST_TMP/peer.py" <<'PY'
import os, signal, socket, struct, sys, time

bin_s7, rules, gport, glog = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
import subprocess


def tpkt(b):
    return struct.pack(">BBH", 3, 0, 4 + len(b)) + b


def dt(s7):
    return tpkt(bytes([2, 0xF0, 0x80]) + s7)


def recv_n(s, n):
    b = b""
    while len(b) < n:
        d = s.recv(n - len(b))
        if not d:
            raise EOFError("connection closed")
        b += d
    return b


def recv_tpkt(s):
    h = recv_n(s, 4)
    return recv_n(s, struct.unpack(">H", h[2:4])[0] - 4)


CR = bytes([0x11, 0xE0, 0, 0, 0, 1, 0, 0xC0, 1, 0x0A, 0xC1, 2, 1, 0, 0xC2, 2, 1, 2])
SETUP = bytes([0x32, 1, 0, 0, 0, 1, 0, 8, 0, 0, 0xF0, 0, 0, 1, 0, 1, 0x01, 0xE0])
READ = bytes([0x32, 1, 0, 0, 0, 2, 0, 14, 0, 0, 0x04, 1,
              0x12, 0x0A, 0x10, 0x02, 0, 1, 0, 1, 0x84, 0, 0, 0])  # DB1.DBB0, 1 byte


def client_setup(cpu):
    """A client's CR and setup through the guard, and the CPU's side of both: the guard
    answers the client's CR only after the CPU's CC.  Returns (client, upstream)."""
    c = socket.create_connection(("127.0.0.1", gport), timeout=5)
    c.sendall(tpkt(CR))
    up, _ = cpu.accept()
    up.settimeout(5)
    cr = recv_tpkt(up)
    cc = bytearray(cr)
    cc[1] = 0xD0
    cc[2:4] = cr[4:6]
    cc[4:6] = b"\x00\x02"
    up.sendall(tpkt(bytes(cc)))
    if recv_tpkt(c)[1] != 0xD0:
        raise SystemExit("no CC from the guard")
    c.sendall(dt(SETUP))
    s7 = recv_tpkt(up)[3:]
    up.sendall(dt(bytes([0x32, 3, 0, 0]) + s7[4:6] +
                  bytes([0, 8, 0, 0, 0, 0, 0xF0, 0, 0, 1, 0, 1, 0x01, 0xE0])))
    return c, up


def states(pid, want):
    out = []
    for t in os.listdir("/proc/%d/task" % pid):
        st = open("/proc/%d/task/%s/stat" % (pid, t)).read().rsplit(")", 1)[1].split()[0]
        out.append(st == want)
    return out


cpu = socket.socket()
cpu.bind(("127.0.0.1", 0))
cpu.listen(4)
cpu.settimeout(5)
log = open(glog, "w")
g = subprocess.Popen([bin_s7, "guard", "--listen", "127.0.0.1:%d" % gport, "--upstream",
                      "127.0.0.1:%d" % cpu.getsockname()[1], "--rules", rules],
                     stdin=subprocess.DEVNULL, stdout=log, stderr=log)
try:
    for _ in range(100):
        if "listening on" in open(glog).read():
            break
        time.sleep(0.05)
    c, up = client_setup(cpu)
    recv_tpkt(c)  # the setup's answer
    c.sendall(dt(READ))
    s7 = recv_tpkt(up)[3:]  # the read, forwarded
    # every thread of the guard back asleep (its loop waiting: the client's socket no longer
    # among the ready ones), then stopped for sure (state T) before the CPU answers
    idle = 0
    for _ in range(200):
        idle = idle + 1 if all(states(g.pid, "S")) else 0
        if idle == 3:
            break
        time.sleep(0.02)
    os.kill(g.pid, signal.SIGSTOP)
    for _ in range(200):  # stopped for sure (state T) before the CPU answers
        if all(states(g.pid, "T")):
            break
        time.sleep(0.01)
    up.sendall(dt(bytes([0x32, 3, 0, 0]) + s7[4:6] +
                  bytes([0, 2, 0, 5, 0, 0, 0x04, 1, 0xFF, 0x04, 0, 8, 0x2A])))
    time.sleep(0.3)  # the reply is in the guard's socket before the client's reset
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
    time.sleep(0.3)
    os.kill(g.pid, signal.SIGCONT)
    try:  # the CPU sees its connection closed (the guard's, or the guard gone)
        while up.recv(256):
            pass
    except OSError:
        pass
    time.sleep(0.2)
    print("alive" if g.poll() is None else "guard exit %s" % g.returncode)
    if g.poll() is None:  # and it serves the next client
        c, up = client_setup(cpu)
        a = recv_tpkt(c)[3:]
        print("setup answered" if a[:2] == b"\x32\x03" else "setup not answered")
        c.sendall(dt(READ))
        s7 = recv_tpkt(up)[3:]
        up.sendall(dt(bytes([0x32, 3, 0, 0]) + s7[4:6] +
                      bytes([0, 2, 0, 5, 0, 0, 0x04, 1, 0xFF, 0x04, 0, 8, 0x2B])))
        a = recv_tpkt(c)[3:]
        print("read %02X" % a[-1])
        c.close()
finally:
    if g.poll() is None:
        g.terminate()
        g.wait(timeout=10)
        print("guard exit on SIGTERM %s" % g.returncode)
PY

timeout 60 python3 "$S7_TEST_TMP/peer.py" "$S7_BIN" "$RULES" "$G_PORT" "$G_LOG" >"$OUT" 2>&1
cat "$OUT"
check_eq "$(grep -c 'send failed' "$G_LOG")" 1 "the reply to the reset client failed to send"
check_eq "$(sed -n 1p "$OUT")" "alive" "the guard goes on after the reset client and its upstream closed"
check_eq "$(sed -n 2,3p "$OUT" | tr '\n' ' ')" "setup answered read 2B " "the guard serves the next client"
check_eq "$(sed -n 4p "$OUT")" "guard exit on SIGTERM 0" "exit 0 on SIGTERM"
if grep -q "Sanitizer" "$G_LOG"; then
    fail "sanitizer report: $(grep -A12 Sanitizer "$G_LOG" | head -20)"
fi
finish
