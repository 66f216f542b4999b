#!/usr/bin/env python3
"""A scripted FIX 4.4 venue (acceptor) that misbehaves one way per scenario.

  hostile_venue.py --port-file F --ledger L --log G [--port P]
                   [--sender HOSTILE] [--target XROUTE]
                   [--scenario NAME] [--rest-after N]

xroute is the initiator and connects to it (docs/connectors.md "FIX venues";
tests/integration/fix_hostile_run.sh runs one xroute per scenario).

By default it behaves: Logon is answered with Logon (141=Y echoed), a
Heartbeat goes out after HeartBtInt seconds of silence, a TestRequest is
answered with its TestReqID, a ResendRequest with the application messages
of the range resent (43=Y, 122) and SequenceReset-GapFill over the rest.
NewOrderSingle gets ExecutionReport New, then Filled at its limit price
(--rest-after N: once N orders filled, a DAY order rests instead).
OrderCancelRequest of a live order gets Canceled, else OrderCancelReject.
OrderStatusRequest gets the order's state (ExecType I), or OrdStatus 8 with
OrdRejReason 5 (unknown order). Incoming MsgSeqNums are taken as they come
(the Logon's sets the expected one): this venue tests xroute, not itself.

--scenario NAME, one misbehaviour (most on the first fill only, so the rest
of the run shows whether xroute recovered):
  unknown_clordid  after the first fill, a fill for a ClOrdID never sent
  dup_fill         the first order fills in two halves, and the first half's
                   report is sent twice (same ExecID, same CumQty)
  overfill         the first fill says CumQty = 2 x OrderQty (status
                   answers for it too)
  bad_price        the first buy fills at 100 x its limit (LastPx 10050 for
                   100.5)
  bad_checksum     the first fill is sent with a wrong CheckSum
  bad_bodylength   the first fill is sent with a wrong BodyLength
  garbage          bytes that are no message before every report
  seq_jump         after the 5th fill MsgSeqNum jumps 1000 ahead, and every
                   ResendRequest is ignored
  seq_back         after the 5th fill one Heartbeat carries a MsgSeqNum 3
                   below the last, without PossDupFlag
  huge             the first fill carries 60 KB of Text (58), resent
                   unchanged on ResendRequest
  no_logon         Logon is never answered
  slow             after the Logon reply, every byte waits 50 ms
  qty_changed      orders are acked and filled with OrderQty 2 whatever
                   was asked (2.5 asked: 2 filled)

Outputs:
  --port-file  the TCP port it listens on, written once it listens.
  --log        one line per message in or out ("in: ", "out: ", SOH as |)
               and per venue event ("event: "), flushed at once.
  --ledger     JSON, rewritten after every change and at exit:
               fills_sent (reports with fills, repeats included), the net
               position per symbol of the fills sent (positions_sent) and
               of the fills that stand (positions_valid: each ExecID once,
               each order capped at its OrderQty, no foreign ClOrdID),
               open_orders (live at the venue), logons, logouts_received,
               foreign_sent, scenario, and "exited": true at exit.
SIGTERM or SIGINT: the ledger is written with the open orders, one line
"event: exit open_orders=N" is logged, and it exits 0.
"""
import argparse
import datetime
import json
import os
import select
import signal
import socket
import sys
import time
from decimal import Decimal

SOH = b"\x01"
ADMIN = ("0", "1", "2", "3", "4", "5", "A")
SCENARIOS = ("default", "unknown_clordid", "dup_fill", "overfill", "bad_price",
             "bad_checksum", "bad_bodylength", "garbage", "seq_jump", "seq_back", "huge",
             "no_logon", "slow", "qty_changed")
GARBAGE = b"\r\n\x00\xffNOT A FIX MESSAGE\x01\x01=\x01"


def utc_now():
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y%m%d-%H:%M:%S.") + "%03d" % (now.microsecond // 1000)


def frame(begin, fields, bodylength_delta=0, checksum_delta=0):
    """8, 9 and 10 around FIELDS (FIX 4.4 Vol. 1, "Message Format")."""
    body = b"".join(b"%d=%s\x01" % (t, str(v).encode("latin-1")) for t, v in fields)
    msg = b"8=%s\x019=%d\x01" % (begin.encode(), len(body) + bodylength_delta) + body
    return msg + b"10=%03d\x01" % ((sum(msg) + checksum_delta) % 256)


def parse(raw):
    out = {}
    for part in raw.split(SOH):
        tag, _, val = part.partition(b"=")
        if tag.isdigit():
            out.setdefault(int(tag), val.decode("latin-1"))
    return out


def show(raw):
    return raw.decode("latin-1").replace("\x01", "|")


def num(d):
    """Decimal as FIX text: no exponent, no trailing zeros."""
    s = format(d.normalize(), "f")
    return s


class Order:
    def __init__(self, m):
        self.clordid = m.get(11, "")
        self.symbol = m.get(55, "")
        self.side = m.get(54, "1")
        self.qty = Decimal(m.get(38, "0"))
        self.px = Decimal(m.get(44, "0") or "0")
        self.tif = m.get(59, "0")
        self.cum = Decimal(0)
        self.avg = Decimal(0)
        self.status = "0"
        self.order_id = ""


class Venue:
    def __init__(self, a):
        self.a = a
        self.sc = a.scenario
        self.begin = "FIX.4.4"
        self.log = open(a.log, "a", buffering=1)
        self.lsock = socket.socket()
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", a.port))
        self.lsock.listen(4)
        self.conn = None
        self.buf = b""
        self.out = b""  # bytes waiting for the socket (slow: one per 50 ms)
        self.next_write = 0.0
        self.next_out = 1
        self.next_in = 1
        self.logged_on = False
        self.hb_s = 30
        self.last_send = time.monotonic()
        self.store = {}  # MsgSeqNum -> (MsgType, fields, SendingTime, extra) of app messages
        self.orders = {}
        self.n_exec = 0
        self.n_orders = 0
        self.fills = 0  # orders filled (for --rest-after and the 5th-fill scenarios)
        self.fills_sent = 0
        self.pos_sent = {}
        self.pos_valid = {}
        self.exec_seen = set()
        self.foreign_sent = 0
        self.logons = 0
        self.logouts = 0
        self.once = set()  # scenario tricks already played
        self.jumped = False
        self.stop = False
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % self.lsock.getsockname()[1])
        os.replace(tmp, a.port_file)
        self.event("listening scenario=%s" % self.sc)
        self.save()

    # ---------------------------------------------------------------- output

    def event(self, text):
        self.log.write("event: %s\n" % text)

    def save(self, exited=False):
        d = {
            "scenario": self.sc, "fills_sent": self.fills_sent,
            "positions_sent": {k: num(v) for k, v in self.pos_sent.items()},
            "positions_valid": {k: num(v) for k, v in self.pos_valid.items()},
            "open_orders": sorted(o.clordid for o in self.orders.values()
                                  if o.status in ("0", "1")),
            "logons": self.logons, "logouts_received": self.logouts,
            "foreign_sent": self.foreign_sent, "exited": exited,
        }
        tmp = self.a.ledger + ".tmp"
        with open(tmp, "w") as f:
            json.dump(d, f, sort_keys=True)
            f.write("\n")
        os.replace(tmp, self.a.ledger)

    def write(self, raw):
        if self.conn is None:
            return
        self.out += raw
        self.flush()

    def flush(self):
        if self.conn is None or not self.out:
            return
        slow = self.sc == "slow" and self.logged_on
        try:
            if slow:
                now = time.monotonic()
                if now < self.next_write:
                    return
                self.conn.send(self.out[:1])
                self.out = self.out[1:]
                self.next_write = now + 0.05
            else:
                self.conn.sendall(self.out)
                self.out = b""
        except OSError as e:
            self.event("send failed: %s" % e)
            self.drop()

    def send(self, mtype, fields, seq=None, orig_time=None, bl=0, cs=0, extra=None):
        """One message; SEQ given: a resend (43=Y) consuming no number."""
        now = utc_now()
        hdr = [(35, mtype), (49, self.a.sender), (56, self.a.target),
               (34, seq if seq is not None else self.next_out)]
        hdr += [(43, "Y"), (52, now), (122, orig_time or now)] if seq is not None else [(52, now)]
        raw = frame(self.begin, hdr + fields, bl, cs)
        self.log.write("out: %s\n" % show(raw[:400] if len(raw) > 400 else raw))
        if len(raw) > 400:
            self.log.write("out: (%d bytes)\n" % len(raw))
        if self.sc == "garbage" and mtype == "8":
            self.write(GARBAGE)
        self.write(raw)
        self.last_send = time.monotonic()
        if seq is None:
            if mtype not in ADMIN:
                self.store[self.next_out] = (mtype, fields, now)
            self.next_out += 1

    # ---------------------------------------------------------------- reports

    def report(self, o, exec_type, last_qty=Decimal(0), last_px=Decimal(0), clordid=None,
               qty=None, cum=None, status=None, text=None, exec_id=None, bl=0, cs=0,
               orig=None):
        if exec_id is None:
            self.n_exec += 1
            exec_id = "E%d" % self.n_exec
        qty = o.qty if qty is None else qty
        cum = o.cum if cum is None else cum
        status = o.status if status is None else status
        leaves = qty - cum if status in ("0", "1") and qty > cum else Decimal(0)
        f = [(37, o.order_id), (11, clordid or o.clordid)]
        if orig:
            f.append((41, orig))
        f += [(17, exec_id), (150, exec_type), (39, status), (55, o.symbol), (54, o.side),
              (38, num(qty)), (40, 2), (44, num(o.px)), (32, num(last_qty)),
              (31, num(last_px)), (151, num(leaves)), (14, num(cum)),
              (6, num(o.avg if cum > 0 else Decimal(0))), (60, utc_now())]
        if text:
            f.append((58, text))
        if last_qty > 0:
            self.fills_sent += 1
            sign = 1 if o.side == "1" else -1
            self.pos_sent[o.symbol] = self.pos_sent.get(o.symbol, Decimal(0)) + sign * last_qty
            if exec_id not in self.exec_seen and (clordid or o.clordid) in self.orders:
                self.exec_seen.add(exec_id)
                done = o.valid if hasattr(o, "valid") else Decimal(0)
                ok = min(last_qty, max(o.qty - done, Decimal(0)))
                o.valid = done + ok
                self.pos_valid[o.symbol] = self.pos_valid.get(o.symbol, Decimal(0)) + sign * ok
            self.event("fill %s %s@%s exec_id=%s cum=%s" % (clordid or o.clordid, num(last_qty),
                                                            num(last_px), exec_id, num(cum)))
        if bl or cs:
            # Sent broken once; the store keeps the good one for a resend.
            self.send("8", f, bl=bl, cs=cs)
        else:
            self.send("8", f)
        return exec_id

    def new_order(self, m):
        o = Order(m)
        if o.clordid in self.orders:
            self.event("duplicate ClOrdID %s" % o.clordid)
            return
        self.n_orders += 1
        o.order_id = "O%d" % self.n_orders
        self.orders[o.clordid] = o
        if self.sc == "qty_changed":
            o.qty = Decimal(2)
            self.event("qty_changed %s asked %s acked 2" % (o.clordid, m.get(38)))
        self.report(o, "0")
        if self.a.rest_after >= 0 and self.fills >= self.a.rest_after and o.tif in ("0", "1"):
            self.event("resting %s" % o.clordid)
            self.save()
            return
        first = self.fills == 0
        px = o.px
        if self.sc == "bad_price" and first and o.side == "1":
            px = o.px * 100
            self.event("bad_price %s LastPx %s for limit %s" % (o.clordid, num(px), num(o.px)))
        if self.sc == "dup_fill" and first:
            half = o.qty / 2
            o.cum, o.avg, o.status = half, px, "1"
            eid = self.report(o, "F", half, px)
            self.report(o, "F", half, px, exec_id=eid)
            self.event("dup_fill %s exec_id=%s sent twice" % (o.clordid, eid))
            o.cum, o.status = o.qty, "2"
            self.report(o, "F", o.qty - half, px)
        elif self.sc == "overfill" and first:
            o.cum, o.avg, o.status = o.qty * 2, px, "2"
            self.event("overfill %s CumQty %s for OrderQty %s" % (o.clordid, num(o.cum),
                                                                 num(o.qty)))
            self.report(o, "F", o.qty * 2, px)
        else:
            o.cum, o.avg, o.status = o.qty, px, "2"
            kw = {}
            if first and self.sc == "bad_checksum":
                kw = {"cs": 7}
                self.event("bad_checksum on the fill of %s" % o.clordid)
            elif first and self.sc == "bad_bodylength":
                kw = {"bl": -5}
                self.event("bad_bodylength on the fill of %s" % o.clordid)
            elif first and self.sc == "huge":
                kw = {"text": "x" * 60000}
                self.event("huge report for %s" % o.clordid)
            self.report(o, "F", o.qty, px, **kw)
        self.fills += 1
        if self.sc == "unknown_clordid" and first:
            ghost = Order({11: "ZZZZZZZ-999999", 55: o.symbol, 54: o.side, 38: num(o.qty),
                           44: num(o.px)})
            ghost.order_id = "O-ghost"
            ghost.cum, ghost.avg, ghost.status = ghost.qty, ghost.px, "2"
            self.foreign_sent += 1
            self.event("unknown_clordid report for %s" % ghost.clordid)
            self.report(ghost, "F", ghost.qty, ghost.px)
        if self.fills == 5 and self.sc == "seq_jump" and not self.jumped:
            self.jumped = True
            self.next_out += 1000
            self.event("seq_jump MsgSeqNum now %d" % self.next_out)
        if self.fills == 5 and self.sc == "seq_back" and "back" not in self.once:
            self.once.add("back")
            self.event("seq_back Heartbeat with MsgSeqNum %d" % (self.next_out - 3))
            raw = frame(self.begin, [(35, "0"), (49, self.a.sender), (56, self.a.target),
                                     (34, self.next_out - 3), (52, utc_now())])
            self.log.write("out: %s\n" % show(raw))
            self.write(raw)
        self.save()

    def cancel(self, m):
        orig, cl = m.get(41, ""), m.get(11, "")
        o = self.orders.get(orig)
        if o is None or o.status not in ("0", "1"):
            self.send("9", [(37, o.order_id if o else "NONE"), (11, cl), (41, orig),
                            (39, o.status if o else "8"), (434, 1), (102, 1 if o is None else 0)])
            self.event("cancel reject %s" % orig)
            return
        o.status = "4"
        self.report(o, "4", clordid=cl, orig=orig)
        self.event("canceled %s" % orig)
        self.save()

    def status(self, m):
        cl = m.get(11, "")
        o = self.orders.get(cl)
        if o is None:
            ghost = Order({11: cl, 55: m.get(55, ""), 54: m.get(54, "1")})
            ghost.status = "8"
            f = [(37, "NONE"), (11, cl), (17, "S0"), (150, "I"), (39, "8"), (103, 5),
                 (55, ghost.symbol), (54, ghost.side), (151, 0), (14, 0), (6, 0),
                 (58, "unknown order")]
            self.send("8", f)
            self.event("status unknown %s" % cl)
            return
        self.n_exec += 1
        self.report(o, "I", exec_id="S%d" % self.n_exec)

    # ---------------------------------------------------------------- session

    def resend(self, begin, end):
        if self.sc == "seq_jump":
            self.event("ResendRequest %d..%d ignored" % (begin, end))
            return
        last = self.next_out - 1
        if end == 0 or end > last:
            end = last
        self.event("ResendRequest %d..%d" % (begin, end))
        gap = None
        for seq in range(begin, end + 1):
            if seq in self.store:
                if gap is not None:
                    self.send("4", [(123, "Y"), (36, seq)], seq=gap)
                    gap = None
                mtype, fields, t = self.store[seq]
                self.send(mtype, fields, seq=seq, orig_time=t)
            elif gap is None:
                gap = seq
        if gap is not None or begin > end:
            self.send("4", [(123, "Y"), (36, end + 1)], seq=gap if gap is not None else begin)

    def handle(self, raw):
        self.log.write("in: %s\n" % show(raw))
        m = parse(raw)
        t = m.get(35, "")
        try:
            seq = int(m.get(34, "0"))
        except ValueError:
            seq = 0
        if self.sc == "no_logon":
            return
        if t == "A":
            self.logons += 1
            self.hb_s = max(1, int(m.get(108, "30") or 30))
            reset = m.get(141) == "Y"
            if reset:
                self.next_out = 1
                self.store.clear()
            self.next_in = seq + 1
            self.event("logon seq_in=%d next_out=%d reset=%s" % (seq, self.next_out, reset))
            self.send("A", [(98, 0), (108, self.hb_s)] + ([(141, "Y")] if reset else []))
            self.logged_on = True  # after the reply: slow trickles what follows it
            self.save()
            return
        if t == "4" and m.get(123) != "Y":
            self.next_in = int(m.get(36, self.next_in))
            return
        if seq < self.next_in and m.get(43) == "Y":
            return
        self.next_in = max(self.next_in, seq) + 1
        if t == "4":
            self.next_in = max(self.next_in, int(m.get(36, "0") or 0))
        elif t == "1":
            self.send("0", [(112, m.get(112, ""))])
        elif t == "2":
            self.resend(int(m.get(7, "1")), int(m.get(16, "0")))
        elif t == "5":
            self.logouts += 1
            self.event("logout received: %s; open orders %d" % (
                m.get(58, ""), sum(o.status in ("0", "1") for o in self.orders.values())))
            self.send("5", [])
            self.save()
            self.flush_all()
            self.drop()
        elif t == "3":
            self.event("session reject of %s: %s" % (m.get(45), m.get(58, "")))
        elif t == "D":
            self.new_order(m)
        elif t == "F":
            self.cancel(m)
        elif t == "H":
            self.status(m)

    def flush_all(self):
        if self.conn is not None and self.out and self.sc != "slow":
            self.flush()

    def drop(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except OSError:
                pass
            self.event("disconnected")
        self.conn = None
        self.buf = b""
        self.out = b""
        self.logged_on = False

    def cut(self):
        """Messages framed by BodyLength; None when incomplete."""
        start = self.buf.find(b"8=")
        if start < 0:
            self.buf = b""
            return None
        self.buf = self.buf[start:]
        s1 = self.buf.find(SOH)
        if s1 < 0:
            return None
        s2 = self.buf.find(SOH, s1 + 1)
        if s2 < 0:
            return None
        try:
            n = int(self.buf[s1 + 3:s2])
        except ValueError:
            self.buf = self.buf[1:]
            return None
        end = s2 + 1 + n + 7
        if len(self.buf) < end:
            return None
        raw, self.buf = self.buf[:end], self.buf[end:]
        return raw

    def run(self):
        while not self.stop:
            rd = [self.lsock] + ([self.conn] if self.conn is not None else [])
            wait = 0.05 if self.out else 0.2
            try:
                ready, _, _ = select.select(rd, [], [], wait)
            except InterruptedError:
                continue
            if self.stop:
                break
            if self.lsock in ready:
                c, _ = self.lsock.accept()
                if self.conn is not None:
                    self.event("new connection replaces the old one")
                    self.drop()
                self.conn = c
                c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.event("connected")
            if self.conn is not None and self.conn in ready:
                try:
                    data = self.conn.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    self.drop()
                else:
                    self.buf += data
                    while self.conn is not None:
                        raw = self.cut()
                        if raw is None:
                            break
                        self.handle(raw)
            self.flush()
            if (self.logged_on and self.conn is not None and
                    time.monotonic() - self.last_send >= self.hb_s):
                self.send("0", [])
        self.save(exited=True)
        n = sum(o.status in ("0", "1") for o in self.orders.values())
        self.event("exit open_orders=%d" % n)


def main():
    ap = argparse.ArgumentParser(description="Scripted hostile FIX 4.4 venue (acceptor).")
    ap.add_argument("--port", type=int, default=0, help="TCP port (0: any free one)")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--ledger", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--sender", default="HOSTILE", help="our SenderCompID (49)")
    ap.add_argument("--target", default="XROUTE", help="xroute's CompID (56)")
    ap.add_argument("--scenario", default="default", choices=SCENARIOS)
    ap.add_argument("--rest-after", type=int, default=-1, metavar="N",
                    help="once N orders filled, DAY orders rest (default: never)")
    a = ap.parse_args()
    v = Venue(a)

    def on_term(_sig, _frm):
        v.stop = True
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    v.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
