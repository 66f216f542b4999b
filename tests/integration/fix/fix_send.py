#!/usr/bin/env python3
"""Minimal FIX initiator that integration tests use as a second trader or a probe.

  fix_send.py --port P --sender MAKER --target OM [--begin FIX.4.2] [--host H]
              [--seq-file F] [--reset]
              [--order 'SIDE,SYMBOL,QTY,PRICE,CLORDID']...
              [--cancel 'ORIGCLORDID,SIDE,SYMBOL,CLORDID[,QTY]']...
              [--status 'CLORDID,SIDE,SYMBOL']... [--mass-status MASSSTATUSREQID]...
              [--wait-reports N] [--timeout S] [-v]

Design: one blocking socket, one thread. It logs on (35=A, 98=0, 108=30),
waits for the Logon reply, sends the orders and cancels in command-line
order, then reads until it has seen N ExecutionReports (35=8), logs out and
waits for the Logout reply. Every message received is printed on stdout, one
per line, SOH shown as '|'; with -v the messages sent are printed on stderr.

Session rules followed (FIX 4.2 Session Protocol; QuickFIX as counterparty):
  - TestRequest (35=1) is answered by a Heartbeat carrying its TestReqID;
    after 30 s without sending, a Heartbeat is sent.
  - A ResendRequest (35=2) is answered by SequenceReset-GapFill (35=4,
    123=Y, 43=Y, 34=BeginSeqNo, 36=next number) over everything but the
    orders and cancels sent during this run, which are resent with 43=Y
    and 122=their first SendingTime. Earlier runs' orders are gap-filled,
    never resent.
  - An incoming MsgSeqNum above the expected one is a gap: one
    ResendRequest (7=expected, 16=0) is sent, the message is queued and
    processed once the gap is filled; a Logon, TestRequest, ResendRequest
    or Logout is acted on at once all the same. One below the expected
    without PossDupFlag=Y is fatal ("MsgSeqNum too low"), as in QuickFIX.
  - A SequenceReset (35=4) moves the expected incoming number to NewSeqNo.
Sequence numbers persist in --seq-file as "NEXT_OUT NEXT_IN", rewritten after
every message, so a second run resumes where the first stopped. Without the
file (or if it does not exist yet, or with --reset) both start at 1 and the
Logon carries 141=Y (ResetSeqNumFlag), which QuickFIX honours even with
ResetOnLogon=N.

Order fields: 35=D 11=CLORDID 21=1 55=SYMBOL 54=SIDE 60=now 38=QTY 40=2
44=PRICE 59=0. SIDE is 1 (buy) or 2 (sell); the words buy and sell are
accepted too. Cancel fields: 35=F 41=ORIGCLORDID 11=CLORDID 55 54 60, and
38=QTY if given (FIX 4.2 wants it; QuickFIX's ordermatch ignores it).
Status fields: 35=H 11=CLORDID 55 54. Mass status: 35=AF 584=ID 585=7 (all
orders; FIX 4.4). Their answers are ExecutionReports and count for
--wait-reports like any.

Exit status: 0 done; 1 usage or connection error; 2 timeout (the reports
or the Logout reply did not arrive); 3 session error (Logout from the
counterparty, MsgSeqNum too low, disconnect, socket error).
"""
import argparse
import datetime
import os
import select
import socket
import sys
import time

SOH = b"\x01"
ADMIN_TYPES = ("0", "1", "2", "3", "4", "5", "A")
EXIT_USAGE, EXIT_TIMEOUT, EXIT_SESSION = 1, 2, 3


class SessionError(Exception):
    """The counterparty ended or broke the session; exit status 3."""


class Timeout(Exception):
    """What we waited for did not come in time; exit status 2."""


def utc_now():
    """UTCTimestamp with milliseconds, e.g. 20240101-12:00:00.123."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y%m%d-%H:%M:%S.") + "%03d" % (now.microsecond // 1000)


def encode(begin, fields):
    """Frame FIELDS ([(tag, value)], 35 first) with 8, 9 and 10.

    BodyLength (9) counts the bytes after its own SOH up to and including
    the SOH before 10=; CheckSum (10) is the byte sum of everything before
    10=, modulo 256, three digits (FIX 4.2 Vol. 1, "Message Format").
    """
    body = b"".join(b"%d=%s\x01" % (tag, str(val).encode("latin-1")) for tag, val in fields)
    head = b"8=%s\x019=%d\x01" % (begin.encode("latin-1"), len(body))
    msg = head + body
    return msg + b"10=%03d\x01" % (sum(msg) % 256)


def parse(raw):
    """Return {tag: value} (first occurrence wins) of a framed message."""
    out = {}
    for part in raw.split(SOH):
        if not part:
            continue
        tag, _, val = part.partition(b"=")
        try:
            out.setdefault(int(tag), val.decode("latin-1"))
        except ValueError:
            pass
    return out


def show(raw):
    return raw.decode("latin-1").replace("\x01", "|")


class Session:
    def __init__(self, args):
        self.args = args
        self.begin = args.begin
        self.buf = b""
        self.reports = 0
        self.resend_pending = False
        self.queue = {}  # MsgSeqNum -> fields, received above the expected number
        self.sent = {}  # MsgSeqNum -> (MsgType, fields, SendingTime), app messages
        self.logged_on = False
        self.logout_sent = False
        self.logout_received = False
        self.last_send = time.monotonic()
        self.reset = args.reset or not args.seq_file or not os.path.exists(args.seq_file)
        if self.reset:
            self.next_out, self.next_in = 1, 1
        else:
            with open(args.seq_file) as f:
                words = f.read().split()
            try:
                self.next_out, self.next_in = int(words[0]), int(words[1])
            except (IndexError, ValueError):
                sys.exit("fix_send: %s: expected \"NEXT_OUT NEXT_IN\"" % args.seq_file)
        self.save()
        try:
            self.sock = socket.create_connection((args.host, args.port), timeout=args.timeout)
        except OSError as e:
            sys.exit("fix_send: connect %s:%d: %s" % (args.host, args.port, e.strerror or e))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def save(self):
        if not self.args.seq_file:
            return
        tmp = self.args.seq_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d %d\n" % (self.next_out, self.next_in))
        os.replace(tmp, self.args.seq_file)

    def send(self, msg_type, fields, seq=None, orig_time=None):
        """Send one message.

        SEQ given: a resend (43=Y, 122=ORIG_TIME) that consumes no number.
        Application messages are kept for resending during this run.
        """
        now = utc_now()
        header = [(35, msg_type), (49, self.args.sender), (56, self.args.target),
                  (34, seq if seq is not None else self.next_out)]
        if seq is not None:
            header += [(43, "Y"), (52, now), (122, orig_time or now)]
        else:
            header += [(52, now)]
        raw = encode(self.begin, header + fields)
        if self.args.verbose:
            print("sent: " + show(raw), file=sys.stderr, flush=True)
        self.sock.sendall(raw)
        self.last_send = time.monotonic()
        if seq is None:
            if msg_type not in ADMIN_TYPES:
                self.sent[self.next_out] = (msg_type, fields, now)
            self.next_out += 1
            self.save()

    def resend(self, begin, end):
        """Answer a ResendRequest for BEGIN..END (0: up to the last sent).

        Application messages sent during this run are resent with 43=Y;
        everything else (admin messages, earlier runs) is covered by
        SequenceReset-GapFill (35=4, 123=Y, 36=first number not skipped).
        FIX 4.2 Vol. 2, "Resend Request" and "Sequence Reset (Gap Fill)".
        """
        last = self.next_out - 1
        if end == 0 or end > last:
            end = last
        gap = None  # first number of a run still to be gap-filled
        for seq in range(begin, end + 1):
            if seq in self.sent:
                if gap is not None:
                    self.send("4", [(123, "Y"), (36, seq)], seq=gap)
                    gap = None
                msg_type, fields, orig_time = self.sent[seq]
                self.send(msg_type, fields, seq=seq, orig_time=orig_time)
            elif gap is None:
                gap = seq
        if gap is not None or begin > end:
            self.send("4", [(123, "Y"), (36, end + 1)], seq=gap if gap is not None else begin)

    def read_message(self, deadline):
        """Next framed message (bytes); Timeout at DEADLINE; SessionError on EOF."""
        while True:
            raw = self.frame()
            if raw is not None:
                return raw
            now = time.monotonic()
            if now >= deadline:
                raise Timeout()
            if self.logged_on and now - self.last_send >= 30:
                self.send("0", [])
            wait = min(deadline - now, 1.0)
            ready, _, _ = select.select([self.sock], [], [], wait)
            if not ready:
                continue
            try:
                data = self.sock.recv(65536)
            except OSError as e:
                raise SessionError("recv: %s" % e)
            if not data:
                raise SessionError("connection closed by the counterparty")
            self.buf += data

    def frame(self):
        """Cut one message out of the buffer, or None if incomplete."""
        start = self.buf.find(b"8=")
        if start < 0:
            return None
        self.buf = self.buf[start:]
        soh1 = self.buf.find(SOH)
        if soh1 < 0 or not self.buf[soh1 + 1:].startswith(b"9="):
            if soh1 >= 0:
                self.buf = self.buf[1:]  # garbage that looked like 8=; resync
            return None
        soh2 = self.buf.find(SOH, soh1 + 1)
        if soh2 < 0:
            return None
        try:
            body_len = int(self.buf[soh1 + 3:soh2])
        except ValueError:
            self.buf = self.buf[1:]
            return None
        end = soh2 + 1 + body_len + 7  # "10=NNN\x01"
        if len(self.buf) < end:
            return None
        raw, self.buf = self.buf[:end], self.buf[end:]
        trailer = raw[-7:]
        if not trailer.startswith(b"10=") or int(trailer[3:6]) != sum(raw[:-7]) % 256:
            print("fix_send: bad BodyLength or CheckSum, dropped: " + show(raw),
                  file=sys.stderr, flush=True)
            return None
        return raw

    def handle(self, raw):
        """Apply the session rules to one received message (printed first).

        Messages above the expected MsgSeqNum are queued until the gap is
        filled, but a Logon, TestRequest, ResendRequest or Logout is acted
        on at once: QuickFIX answers our ResendRequest only after we answered
        its own, which may sit behind the gap (FIX 4.2 Vol. 2, "Resend
        Request": process it regardless of its MsgSeqNum).
        """
        print(show(raw), flush=True)
        m = parse(raw)
        msg_type = m.get(35, "")
        try:
            seq = int(m.get(34, "0"))
        except ValueError:
            seq = 0

        if msg_type == "4" and m.get(123) != "Y":  # SequenceReset-Reset: ignores 34
            self.next_in = int(m[36])
            self.drain()
            return
        if msg_type == "5" and not self.logged_on:
            if seq == self.next_in:
                self.next_in += 1
                self.save()
            raise SessionError("Logout instead of Logon reply: %s" % m.get(58, "(no text)"))
        if seq < self.next_in:
            if m.get(43) == "Y":
                return  # a resent copy of something already processed
            text = "MsgSeqNum too low, expecting %d but received %d" % (self.next_in, seq)
            if msg_type != "5":
                self.send("5", [(58, text)])
            raise SessionError(text)

        if msg_type == "A":
            self.logged_on = True
            if self.reset and m.get(141) != "Y":
                print("fix_send: Logon reply without 141=Y after our reset",
                      file=sys.stderr, flush=True)
        elif msg_type == "1":
            self.send("0", [(112, m.get(112, ""))])
        elif msg_type == "2":
            self.resend(int(m.get(7, "1")), int(m.get(16, "0")))
        elif msg_type == "5":
            self.logout_received = True
            if not self.logout_sent:
                self.send("5", [])
                raise SessionError("Logout from the counterparty: %s" % m.get(58, "(no text)"))

        if seq > self.next_in:
            self.queue[seq] = m
            if not self.resend_pending:
                self.send("2", [(7, self.next_in), (16, 0)])
                self.resend_pending = True
            return
        self.apply(m)
        self.drain()

    def apply(self, m):
        """In-sequence part of the rules: advance the expected MsgSeqNum, count reports."""
        if m.get(35) == "4":  # GapFill at the expected number
            self.next_in = max(self.next_in, int(m[36]))
        else:
            self.next_in += 1
            if m.get(35) == "8":
                self.reports += 1
        self.save()

    def drain(self):
        """Process queued messages that are now in sequence; forget older ones."""
        for seq in sorted(self.queue):
            if seq < self.next_in:
                del self.queue[seq]
            elif seq == self.next_in:
                self.apply(self.queue.pop(seq))
        self.resend_pending = bool(self.queue)
        self.save()

    def run(self):
        deadline = time.monotonic() + self.args.timeout
        logon = [(98, 0), (108, 30)] + ([(141, "Y")] if self.reset else [])
        self.send("A", logon)
        while not self.logged_on:
            self.handle(self.read_message(deadline))
        for kind, fields in self.args.actions:
            if kind == "order":
                side, symbol, qty, price, clordid = fields
                self.send("D", [(11, clordid), (21, 1), (55, symbol), (54, side),
                                (60, utc_now()), (38, qty), (40, 2), (44, price), (59, 0)])
            elif kind == "status":
                clordid, side, symbol = fields
                self.send("H", [(11, clordid), (55, symbol), (54, side)])
            elif kind == "mass-status":
                self.send("AF", [(584, fields[0]), (585, 7)])
            else:
                orig, side, symbol, clordid = fields[:4]
                qty = [(38, fields[4])] if len(fields) > 4 else []
                self.send("F", [(41, orig), (11, clordid), (55, symbol), (54, side),
                                (60, utc_now())] + qty)
        while self.reports < self.args.wait_reports or self.resend_pending:
            self.handle(self.read_message(deadline))
        self.send("5", [])
        self.logout_sent = True
        while not self.logout_received:
            self.handle(self.read_message(deadline))


def split_arg(kind, counts, conv):
    def parse_arg(text):
        parts = [p.strip() for p in text.split(",")]
        if len(parts) not in counts or not all(parts):
            raise argparse.ArgumentTypeError("--%s wants %s comma-separated fields: %r"
                                             % (kind, " or ".join(map(str, counts)), text))
        return kind, conv(parts)
    return parse_arg


def side_code(word):
    codes = {"1": "1", "2": "2", "buy": "1", "sell": "2", "b": "1", "s": "2"}
    if word.lower() not in codes:
        raise argparse.ArgumentTypeError("side %r is not 1, 2, buy or sell" % word)
    return codes[word.lower()]


def conv_order(p):
    for what, val in (("QTY", p[2]), ("PRICE", p[3])):
        try:
            float(val)
        except ValueError:
            raise argparse.ArgumentTypeError("--order %s %r is not a number" % (what, val))
    return [side_code(p[0]), p[1], p[2], p[3], p[4]]


def conv_cancel(p):
    if len(p) > 4:
        try:
            float(p[4])
        except ValueError:
            raise argparse.ArgumentTypeError("--cancel QTY %r is not a number" % p[4])
    return [p[0], side_code(p[1])] + p[2:]


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error exits 1: 2 means a timeout here."""
    def error(self, message):
        self.print_usage(sys.stderr)
        print("%s: error: %s" % (self.prog, message), file=sys.stderr)
        sys.exit(EXIT_USAGE)


class Append(argparse.Action):
    """Keep --order, --cancel, --status and --mass-status in one list, in order."""
    def __call__(self, parser, namespace, values, option_string=None):
        namespace.actions.append(values)


def main():
    ap = Parser(description="Minimal FIX initiator for integration tests.")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--sender", required=True, help="our SenderCompID (49)")
    ap.add_argument("--target", required=True, help="the venue's CompID (56)")
    ap.add_argument("--begin", default="FIX.4.2", help="BeginString (8)")
    ap.add_argument("--seq-file", help="persist \"NEXT_OUT NEXT_IN\" here across runs")
    ap.add_argument("--reset", action="store_true", help="send 141=Y and start at 1 even with --seq-file")
    ap.add_argument("--order", action=Append, type=split_arg("order", (5,), conv_order),
                    help="SIDE,SYMBOL,QTY,PRICE,CLORDID (limit, DAY)")
    ap.add_argument("--cancel", action=Append, type=split_arg("cancel", (4, 5), conv_cancel),
                    help="ORIGCLORDID,SIDE,SYMBOL,CLORDID[,QTY]")
    ap.add_argument("--status", action=Append,
                    type=split_arg("status", (3,), lambda p: [p[0], side_code(p[1]), p[2]]),
                    help="CLORDID,SIDE,SYMBOL (OrderStatusRequest)")
    ap.add_argument("--mass-status", action=Append,
                    type=split_arg("mass-status", (1,), lambda p: p),
                    help="MASSSTATUSREQID (OrderMassStatusRequest, 585=7)")
    ap.add_argument("--wait-reports", type=int, default=0, metavar="N",
                    help="ExecutionReports to receive before logging out (default 0)")
    ap.add_argument("--timeout", type=float, default=10.0, metavar="S",
                    help="seconds for the whole run (default 10)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print sent messages on stderr")
    ap.set_defaults(actions=[])
    args = ap.parse_args()

    s = Session(args)
    try:
        s.run()
    except Timeout:
        if s.logout_sent:
            what = "the Logout reply"
        elif s.logged_on:
            what = "%d ExecutionReports (got %d)" % (args.wait_reports, s.reports)
        else:
            what = "the Logon reply"
        print("fix_send: timeout after %gs waiting for %s" % (args.timeout, what),
              file=sys.stderr, flush=True)
        return EXIT_TIMEOUT
    except SessionError as e:
        print("fix_send: %s" % e, file=sys.stderr, flush=True)
        return EXIT_SESSION
    except OSError as e:
        print("fix_send: socket: %s" % e, file=sys.stderr, flush=True)
        return EXIT_SESSION
    finally:
        s.sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
