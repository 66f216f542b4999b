#!/usr/bin/env python3
"""Write the seed corpus of the FIX codec's fuzz target (tests/fuzz/fuzz_fix.c).

usage: make-corpus.py [OUT_DIR]    (default: tests/fuzz/corpus/fix beside this script)

Each file is one input of fuzz_fix: byte 0 chooses the read size (fuzz_fix.c,
xr__chunk(): 0..127 -> 1..128 bytes a read, 128..255 -> 64, 128, ... 8192), the
rest is the byte stream a venue would send. The valid messages are FIX 4.2 and
4.4 session and application messages whose BodyLength and CheckSum are computed
here, independently of the codec (FIX 4.4 Vol. 2 "Message Format": BodyLength
counts the bytes after 9='s SOH up to and including the SOH before 10=; CheckSum
is the sum of every byte before 10= modulo 256, three digits). The malformed ones
each break one rule, with every other rule kept (a message with a bad field has a
right BodyLength and CheckSum, so the framer accepts it and the parser refuses it).

Files written before and not written now are removed, except crash-*.fix (fuzzer
findings kept as regressions) and min-*.fix (inputs libFuzzer found that add
coverage, merged in by hand: tests/fuzz/run-fuzz.sh prints how).
"""
import os
import re
import sys

SOH = b"\x01"
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def max_msg():
    """XR_FIX_MAX_MSG from the codec's header, so the oversize files follow it."""
    with open(os.path.join(ROOT, "connectors", "fix", "xr_fix.h"), encoding="utf-8") as f:
        m = re.search(r"#define XR_FIX_MAX_MSG (\d+)", f.read())
    if not m:
        sys.exit("make-corpus: XR_FIX_MAX_MSG not found in connectors/fix/xr_fix.h")
    return int(m.group(1))


def fields(pairs):
    """b"tag=value<SOH>..." from (tag, value) pairs; tag and value are str or bytes."""
    out = b""
    for tag, value in pairs:
        t = tag if isinstance(tag, bytes) else str(tag).encode()
        v = value if isinstance(value, bytes) else str(value).encode()
        out += t + b"=" + v + SOH
    return out


def checksum(data):
    return b"10=%03d" % (sum(data) % 256) + SOH


def frame(version, body, body_length=None, begin=None):
    """A whole message: 8=, 9= (the real length unless @body_length), @body, 10=."""
    n = len(body) if body_length is None else body_length
    head = (begin if begin is not None else b"8=" + version.encode() + SOH)
    head += b"9=" + (n if isinstance(n, bytes) else str(n).encode()) + SOH
    return head + body + checksum(head + body)


def header(msg_type, seq, sender="XROUTE", target="VENUE"):
    return [(35, msg_type), (49, sender), (56, target), (34, seq),
            (52, "20261122-00:30:15.123")]


def session_and_app(version):
    """The twelve message types, as (name, body) for @version."""
    v44 = version == "FIX.4.4"
    logon = [(98, 0), (108, 30)] + ([(141, "Y")] if v44 else [])
    exec_type = "F" if v44 else "2"                      # Trade / Fill
    exec_trans = [] if v44 else [(20, 0)]                # ExecTransType: 4.2 only
    return [
        ("logon", header("A", 1) + logon),
        ("heartbeat", header("0", 2) + [(112, "TEST1")]),
        ("test_request", header("1", 3) + [(112, "TEST1")]),
        ("resend_request", header("2", 4) + [(7, 5), (16, 0 if v44 else 999999)]),
        ("sequence_reset_gapfill", header("4", 5) + [(43, "Y"), (122, "20261122-00:30:14.000"),
                                                     (123, "Y"), (36, 10)]),
        ("new_order_single", header("D", 6) + [(11, "ORD-1"), (21, 1), (55, "BTC-USD"), (54, 1),
                                               (60, "20261122-00:30:15.120"), (38, "1.5"),
                                               (40, 2), (44, "50000.25"), (59, 1)]),
        ("execution_report", header("8", 7, "VENUE", "XROUTE")
         + [(37, "O-77"), (11, "ORD-1"), (17, "E-1")] + exec_trans
         + [(150, exec_type), (39, 2), (55, "BTC-USD"), (54, 1), (38, "1.5"), (32, "1.5"),
            (31, "50000.25"), (151, 0), (14, "1.5"), (6, "50000.25"),
            (60, "20261122-00:30:15.121")]),
        ("order_cancel_request", header("F", 8) + [(41, "ORD-1"), (11, "ORD-2"),
                                                   (55, "BTC-USD"), (54, 2),
                                                   (60, "20261122-00:30:16.000"), (38, "1.5")]),
        ("order_cancel_reject", header("9", 9, "VENUE", "XROUTE")
         + [(37, "O-77"), (11, "ORD-2"), (41, "ORD-1"), (39, 2), (434, 1), (102, 0),
            (58, "Too late to cancel")]),
        ("reject", header("3", 10, "VENUE", "XROUTE")
         + [(45, 6), (371, 44), (372, "D"), (373, 5), (58, "Value is incorrect (out of range) "
                                                           "for this tag: 44=-1")]),
        ("business_message_reject", header("j", 11, "VENUE", "XROUTE")
         + [(45, 6), (372, "D"), (380, 3), (58, "Unsupported message type")]),
        ("logout", header("5", 12) + [(58, "bye")]),
    ]


def corpus():
    """(file name, read-size byte, stream bytes)."""
    big = max_msg()
    out = []
    # Read sizes: 0xff: up to 8192 bytes a read (a message at once); 0x00: a
    # byte at a time; 0x06: 7 bytes; 0x3f: 64 bytes; 0x80: 64 (the other range).
    sizes = [0xff, 0x00, 0x06, 0x3f, 0x80]
    k = 0
    for version, tag in (("FIX.4.2", "42"), ("FIX.4.4", "44")):
        for name, body in session_and_app(version):
            out.append((f"{name}_{tag}.fix", sizes[k % len(sizes)], frame(version, fields(body))))
            k += 1

    logon = frame("FIX.4.4", fields(header("A", 1) + [(98, 0), (108, 30)]))
    hb = frame("FIX.4.4", fields(header("0", 2)))
    nos_body = fields(header("D", 3) + [(11, "ORD-1"), (55, "BTC-USD"), (54, 1), (38, "1.5"),
                                        (40, 2), (44, "50000.25")])
    nos = frame("FIX.4.4", nos_body)

    out += [
        ("back_to_back.fix", 0xff, logon + hb),
        ("back_to_back_byte_reads.fix", 0x00, logon + nos),
        ("three_in_odd_reads.fix", 0x0c, logon + hb + nos),
        # Valid edges: BodyLength with leading zeros; a value holding '=';
        # bytes >= 0x80 (RawData) for the CheckSum's byte lanes; a tag
        # repeated (lookups take the first); the largest message accepted.
        ("body_length_leading_zeros.fix", 0xff,
         frame("FIX.4.4", fields(header("0", 2)), body_length=b"%04d" % len(fields(header("0", 2))))),
        ("value_with_equals.fix", 0x3f, frame("FIX.4.2", fields(header("5", 3) + [(58, "a=b=c")]))),
        ("raw_data_high_bytes.fix", 0xff,
         frame("FIX.4.4", fields(header("B", 4) + [(95, 64), (96, bytes(range(0x80, 0xc0)))]))),
        ("duplicate_tags.fix", 0xff,
         frame("FIX.4.4", fields(header("D", 5) + [(55, "BTC-USD"), (55, "ETH-USD"),
                                                   (38, "1"), (38, "2")]))),
        ("negative_and_signed_prices.fix", 0x80,
         frame("FIX.4.4", fields(header("8", 6) + [(44, "-1.5"), (31, "+2"), (6, ".25"),
                                                   (32, "-.5"), (151, "007")]))),
    ]
    # Integers at the edge of 64 bits (19 digits read, 20 refused) and
    # decimals at the edge of int64_t with 8 places.
    out.append(("number_edges.fix", 0xff,
                frame("FIX.4.4", fields(header("8", 8) + [
                    (34, "9999999999999999999"), (14, "18446744073709551615"),
                    (38, "00000000000000000001"), (44, "92233720368.54775807"),
                    (31, "-92233720368.54775807"), (6, "92233720368.54775808"),
                    (32, "0.000000001"), (151, "1e5")]))))
    # Near XR_FIX_MAX_MSG with decimals last: the writer's room for a put
    # (tests/fuzz/fuzz_fix.c re-encodes them with xr_fix_put_fixed()).
    def near_limit(n):
        return frame("FIX.4.4", fields(header("8", 9) + [(58, "w" * n)]
                                       + [(44, "-92233720368.5477580")] * 2
                                       + [(31, "-.5")] * 4))
    room = big - len(near_limit(0))
    while len(near_limit(room)) > big - 20:
        room -= 1
    out.append(("near_max_size_decimals.fix", 0x80, near_limit(room)))

    # Exactly XR_FIX_MAX_MSG bytes: pad 58= until the whole message is that long.
    def padded(n):
        return frame("FIX.4.4", fields(header("B", 7) + [(58, "x" * n)]))
    pad = big - len(padded(0))
    while len(padded(pad)) > big:  # BodyLength's digits grow with the padding
        pad -= 1
    out.append(("max_size.fix", 0xff, padded(pad)))
    assert len(out[-1][2]) == big, len(out[-1][2])

    # ---- malformed: framing refusals ----
    good = nos
    cs = good.rindex(b"10=")
    bad_sum = (int(good[cs + 3:cs + 6]) + 1) % 256
    out += [
        ("bad_checksum.fix", 0xff, good[:cs + 3] + b"%03d" % bad_sum + SOH + hb),
        ("checksum_not_digits.fix", 0x00, good[:cs + 3] + b"1a3" + SOH + hb),
        ("checksum_two_digits.fix", 0xff, good[:cs + 3] + good[cs + 4:cs + 6] + SOH + hb),
        ("body_length_short.fix", 0xff, frame("FIX.4.4", nos_body, body_length=len(nos_body) - 5)
         + hb),
        ("body_length_long.fix", 0xff, frame("FIX.4.4", nos_body, body_length=len(nos_body) + 5)
         + hb),
        ("body_length_long_waits.fix", 0x06,
         frame("FIX.4.4", nos_body, body_length=len(nos_body) + 40)),
        ("body_length_zero.fix", 0xff, b"8=FIX.4.4" + SOH + b"9=0" + SOH + b"10=000" + SOH + hb),
        ("body_length_not_number.fix", 0x00, b"8=FIX.4.4" + SOH + b"9=1a" + SOH + hb),
        ("body_length_empty.fix", 0xff, b"8=FIX.4.4" + SOH + b"9=" + SOH + hb),
        ("missing_begin_string.fix", 0xff, good[good.index(b"9="):] + hb),
        ("missing_body_length.fix", 0xff, b"8=FIX.4.4" + SOH + nos_body + checksum(
            b"8=FIX.4.4" + SOH + nos_body) + hb),
        ("missing_checksum.fix", 0xff, good[:cs] + logon),
        ("tags_out_of_order_35_before_9.fix", 0x3f,
         b"8=FIX.4.4" + SOH + b"35=0" + SOH + b"9=5" + SOH + hb),
        ("tags_out_of_order_10_inside.fix", 0xff,
         frame("FIX.4.4", fields(header("0", 2)[:2] + [(10, "123")] + header("0", 2)[2:]))
         + hb),
        ("bad_begin_string_43.fix", 0xff, frame("FIX.4.3", fields(header("0", 2))) + hb),
        ("bad_begin_string_fixt.fix", 0x00, frame("FIXT.1.1", fields(header("0", 2))) + hb),
        ("garbage_before_message.fix", 0xff, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + logon),
        ("garbage_with_partial_begin.fix", 0x02, b"xx8=FIX.4.38=FI" + logon),
        ("garbage_soh_only.fix", 0x80, SOH * 40 + hb),
        ("truncated_in_body.fix", 0x06, good[:len(good) // 2]),
        ("truncated_in_checksum.fix", 0xff, good[:-3]),
        ("truncated_in_begin_string.fix", 0x00, good[:6]),
        ("oversize_body_length.fix", 0xff,
         frame("FIX.4.4", fields(header("B", 8) + [(58, "y" * big)])) + hb),
        ("oversize_five_digits.fix", 0xff, b"8=FIX.4.4" + SOH + b"9=12345" + SOH + hb),
        ("oversize_by_one.fix", 0xff, padded(pad + 1) + hb),
    ]
    assert len(out[-1][2]) == big + 1 + len(hb)

    # ---- malformed: framed (length and checksum right), refused by the parser ----
    def framed(name, size, body):
        out.append((name, size, frame("FIX.4.4", body) + hb))

    hdr = fields(header("D", 9))
    framed("non_digit_tag.fix", 0xff, hdr + b"5x=BTC-USD" + SOH)
    framed("tag_leading_zero.fix", 0xff, hdr + b"055=BTC-USD" + SOH)
    framed("tag_ten_digits.fix", 0x3f, hdr + b"1234567890=x" + SOH)
    framed("empty_value.fix", 0xff, hdr + b"58=" + SOH)
    framed("missing_equals.fix", 0x00, hdr + b"58 hello" + SOH)
    framed("missing_msg_type.fix", 0xff, fields(header("D", 9)[1:]))
    framed("msg_type_not_third.fix", 0x06, fields([(49, "XROUTE")] + header("D", 9)[:1]
                                                  + header("D", 9)[2:]))
    framed("msg_type_three_chars.fix", 0xff, fields(header("ABC", 9)))
    framed("too_many_fields.fix", 0xff, hdr + fields([(58, "z")] * 130))
    return out


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus", "fix")
    os.makedirs(out_dir, exist_ok=True)
    files = corpus()
    names = {name for name, _, _ in files}
    assert len(names) == len(files), "duplicate file names"
    for old in os.listdir(out_dir):
        if old not in names and not old.startswith(("crash-", "min-")):
            os.remove(os.path.join(out_dir, old))
    for name, size, data in files:
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(bytes([size]) + data)
    print(f"make-corpus: {len(files)} files in {out_dir}")


if __name__ == "__main__":
    main()
