#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write the seed corpora of the libFuzzer targets: tests/fuzz/corpus/<target>/.

  tests/fuzz/make-seeds.py [CORPUS_DIR]

Valid inputs of every kind and one of each way to be wrong, built from the formats the library
reads (Documentation/intel-lm-blob-format.txt, the NVMe Identify Controller and Secondary
Controller List layouts). The files are checked in; run this again after a format changes.
"""
import os
import struct
import sys
import zlib

HDR = 256


def blob(payload, vf=3, version=1, hdr_len=HDR, flags=0, payload_len=None, sn='PHSRC0001',
         mn='Intel IPU E2100 NVMe', fr='1.0.0', tool='intel-lm 0.1.0', vid=0x8086,
         created=1700000000, bad_hdr_crc=False, bad_payload_crc=False):
    """A blob file: the version 1 header, then the payload."""
    def field(s, width, pad):
        raw = s.encode('latin-1') if isinstance(s, str) else s
        return raw[:width].ljust(width, pad)

    plen = len(payload) if payload_len is None else payload_len
    pcrc = zlib.crc32(payload) ^ (1 if bad_payload_crc else 0)
    h = bytearray(HDR)
    h[0:8] = b'INTELLM\x1a'
    struct.pack_into('<HHHHII', h, 8, version, hdr_len, vf, flags, plen, pcrc)
    struct.pack_into('<qHH', h, 24, created, vid, vid)
    h[36:56] = field(sn, 20, b' ')
    h[56:96] = field(mn, 40, b' ')
    h[96:104] = field(fr, 8, b' ')
    h[104:136] = field(tool, 32, b'\0')
    struct.pack_into('<I', h, 252, zlib.crc32(bytes(h[:252])) ^ (1 if bad_hdr_crc else 0))
    return bytes(h) + payload


def state(n):
    return bytes((i * 7 + 3) & 0xff for i in range(n))


def id_ctrl(vid=0x8086, sn='PHSRC0001', mn='Intel IPU E2100 NVMe', fr='1.0.0', mdts=5,
            cntlid=1, lm=1):
    """Identify Controller up to byte 3072 (the fuzz target pads the rest with zeros)."""
    p = bytearray(3073)
    struct.pack_into('<HH', p, 0, vid, vid)
    for off, width, s in ((4, 20, sn), (24, 40, mn), (64, 8, fr)):
        raw = s.encode('latin-1') if isinstance(s, str) else s
        p[off:off + width] = raw[:width].ljust(width, b' ')
    p[77] = mdts
    struct.pack_into('<H', p, 78, cntlid)
    p[3072] = lm
    return bytes(p)


def sec_list(entries, pf=1, fmt_len=64, num=None):
    """A Secondary Controller List page: (scid, pcid, online, vfn, nvq, nvi) entries."""
    p = bytearray(32 + 32 * len(entries))
    p[0] = len(entries) if num is None else num
    struct.pack_into('<HB', p, 2, pf, fmt_len)
    for i, (scid, pcid, online, vfn, nvq, nvi) in enumerate(entries):
        struct.pack_into('<HHBxxxHHH', p, 32 + 32 * i, scid, pcid, online, vfn, nvq, nvi)
    return bytes(p)


def limits(mdts, size, max_bytes=0):
    return struct.pack('<BII', mdts, size, max_bytes)


REC_FIELDS = [
    ('version', '1'), ('pf', 'pci-0000:3b:00.0'), ('pci', '0000:3b:00.0'),
    ('device', '/dev/nvme0'), ('serial', 'PHSRC0001'), ('model', 'Intel IPU E2100 NVMe'),
    ('firmware', '1.0.0'), ('vf', '3'), ('state', 'saved'), ('since', '1700000000'),
    ('pid', '4242'), ('cmdline', 'nvme-intel-lm save /dev/nvme0 --vf=3 -o /v/s%25'),
    ('pending', '0'), ('pending_then', '0'), ('last_opcode', '210'), ('last_ret', '0'),
    ('state_file', '/var/lib/vf3.blob'), ('state_size', '4352'), ('state_crc', '305419896'),
    ('state_file_temporary', '0'), ('tmp_file', ''), ('op', 'migrate'), ('op_open', '1'),
    ('op_id', '1700000000-4242-1'), ('role', 'source'), ('step', '3'),
    ('peer', 'pci-0000:5e:00.0'), ('peer_pci', '0000:5e:00.0'), ('peer_device', '/dev/nvme1'),
    ('peer_vf', '4'),
]


def rec_slot(seq, fields=None, bad_crc=False):
    """One slot of a record file (lib/record.c, include/intel-lm/record.h): the header
    line with the sequence, body length and CRC-32, then the "key=value" lines."""
    body = ''.join(f'{k}={v}\n' for k, v in (fields or REC_FIELDS)).encode()
    head = f'ILMREC1 {seq:016x} {len(body):04x} '.encode()
    crc = zlib.crc32(head + body) ^ (1 if bad_crc else 0)
    return head + f'{crc:08x}\n'.encode() + body


def rec_file(slot0, slot1):
    return slot0.ljust(8192, b'\0') + slot1.ljust(8192, b'\0')


def seeds():
    valid = blob(state(64))
    s = {}
    s['blob'] = {
        'valid-64': valid,
        'valid-1': blob(b'\x5a', vf=1),
        'valid-1k-vf65535': blob(state(1024), vf=65535),
        'truncated': valid[:-10],
        'trailing-byte': valid + b'\0',
        'bad-payload-crc': blob(state(64), bad_payload_crc=True),
        'bad-header-crc': blob(state(64), bad_hdr_crc=True),
        'version-2': blob(state(64), version=2),
        'vf-0': blob(state(64), vf=0),
        'flags-set': blob(state(64), flags=1),
        'hdr-len-512': blob(state(64), hdr_len=512),
        'payload-len-0': blob(b'', payload_len=0),
        'strings-control': blob(state(16), sn=b'A\x1b[31m\x00B  ', mn=b'%s%n\x7f\x80\xff',
                                fr=b'1.0  \x01 ', tool=b'x' * 32),
        'other-vendor': blob(state(16), vid=0x1b36, mn='QEMU NVMe Ctrl', fr='8.0.0'),
        'header-only': valid[:HDR],
        'short-header': valid[:100],
        'magic-only': valid[:8],
        'not-a-blob': b'hello, world\n',
    }
    # one byte choosing the largest payload to accept (see fuzz-blob-read.c), then the file
    s['blob-read'] = {
        'max-1m-valid': b'\x07' + valid,
        'max-64-valid': b'\x01' + valid,
        'max-1-valid': b'\x00' + valid,
        'max-256k-truncated': b'\x06' + valid[:-1],
        'max-256k-trailing': b'\x06' + valid + b'x',
        'max-256k-bad-crc': b'\x06' + blob(state(64), bad_payload_crc=True),
        'max-4k-raw': b'\x04' + state(300),
        'max-255-raw-big': b'\x02' + state(300),
        'empty': b'\x05',
    }
    s['vf-select'] = {name: text.encode() for name, text in {
        'one': '3', 'list': '1,3,5-8', 'all': 'all', 'everything': '1-65535',
        'highest': '65535', 'above': '65536', 'zero': '0', 'reversed': '7-4',
        'repeats': '3,3,1-4,4', 'missing': '5', 'empty-item': '1,,2', 'open-range': '1-',
        'signed': '-1', 'spaces': ' 1, 2', 'leading-zeros': '0001', 'long': '123456',
        'range-list': '1-2,4-100,65535', 'empty': '',
    }.items()}
    s['id-ctrl'] = {
        'intel-supported': id_ctrl(),
        'intel-no-lm': id_ctrl(lm=0),
        'intel-reserved': id_ctrl(lm=2),
        'qemu': id_ctrl(vid=0x1b36, sn='deadbeef', mn='QEMU NVMe Ctrl', fr='8.0.0', lm=0),
        'mdts-0': id_ctrl(mdts=0),
        'mdts-20': id_ctrl(mdts=20),
        'mdts-255': id_ctrl(mdts=255),
        'strings-unterminated': id_ctrl(sn='A' * 20, mn='B' * 40, fr='C' * 8),
        'strings-control': id_ctrl(sn=b'\x1b[2J%s\x00\x7f', mn=b'\x80\xff  x', fr=b'\x00' * 8),
    }
    emu4 = [(1 + n, 1, 1, n, 4, 2) for n in range(1, 5)]
    s['sec-ctrl-list'] = {
        'pf1-4vfs': sec_list(emu4),
        'pf1-4vfs-foreign': sec_list(emu4 + [(0x105 + n, 0x101, 1, n, 4, 2) for n in (1, 2)]),
        'pf1-offline': sec_list([(2, 1, 0, 1, 8, 1), (3, 1, 1, 2, 0, 0)]),
        'full-page': sec_list([(1 + n, 1, 1, n, 4, 2) for n in range(1, 128)], fmt_len=255),
        'count-128': sec_list(emu4, num=128),
        'count-255': sec_list(emu4, num=255),
        'repeated-vfn': sec_list([(2, 1, 1, 1, 4, 2), (3, 1, 1, 1, 4, 2)]),
        'vfn-0': sec_list([(2, 1, 1, 0, 4, 2)]),
        'other-pf-only': sec_list(emu4, pf=2),
        'gaps': sec_list([(2, 1, 1, 1, 4, 2), (9, 1, 1, 8, 4, 2), (40, 1, 1, 65535, 4, 2)],
                         fmt_len=3),
        'empty': sec_list([]),
    }
    s['limits'] = {
        'mdts-5-ok': limits(5, 0xa98),
        'mdts-5-too-big': limits(5, 128 * 1024 + 1),
        'mdts-0-256k': limits(0, 256 * 1024),
        'mdts-0-above': limits(0, 256 * 1024 + 1),
        'size-0': limits(6, 0),
        'size-max': limits(6, 0xffffffff),
        'mdts-10-caller-4m': limits(10, 4 << 20, 4 << 20),
        'mdts-31-caller-1m': limits(31, 1 << 20, 1 << 20),
        'mdts-255-caller-1': limits(255, 1, 1),
        'mdts-3-caller-big': limits(3, 1 << 15, 0xffffffff),
    }
    running = [(k, 'running' if k == 'state' else v) for k, v in REC_FIELDS]
    s['record'] = {
        'slot0-valid': b'\x01' + rec_slot(2),
        'slot1-valid': b'\x02' + rec_slot(1),
        'slot0-odd-seq': b'\x01' + rec_slot(3),
        'slot0-bad-crc': b'\x01' + rec_slot(2, bad_crc=True),
        'both-valid': b'\x03' + rec_slot(4, running).ljust(700, b'\0') +
                      rec_slot(3).ljust(700, b'\0'),
        'file-whole': b'\x00' + rec_file(rec_slot(6, running), rec_slot(5)),
        'file-newer-torn': b'\x00' + rec_file(rec_slot(6, running, bad_crc=True), rec_slot(5)),
        'file-blank': b'\x00' + bytes(16384),
        'file-too-long': b'\x00' + rec_file(rec_slot(2), b'') + b'\0',
        'file-short': b'\x00' + rec_slot(2),
    }
    return s


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    top = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, 'corpus')
    for target, files in seeds().items():
        d = os.path.join(top, target)
        os.makedirs(d, exist_ok=True)
        for name, data in files.items():
            with open(os.path.join(d, name), 'wb') as f:
                f.write(data)
    return 0


if __name__ == '__main__':
    sys.exit(main())
