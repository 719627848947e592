"""TurboSHAKE128 (RFC 9861): Keccak-p[1600, 12 rounds] sponge, rate 168 bytes, written from
the RFC's description for running the VDAF reference code without pycryptodomex."""

_MASK = (1 << 64) - 1


def _rcs():
    consts = []
    for ir in range(24):
        rc = 0
        for j in range(7):
            # bit 2^j - 1 of RC is rc(j + 7 * ir)
            t = j + 7 * ir
            if _lfsr(t):
                rc |= 1 << ((1 << j) - 1)
        consts.append(rc)
    return consts


def _lfsr(t):
    # FIPS 202 Algorithm 5, with R as a list of bits R[0..7].
    if t % 255 == 0:
        return 1
    R = [1, 0, 0, 0, 0, 0, 0, 0]
    for _ in range(1, t % 255 + 1):
        R = [0] + R
        R[0] ^= R[8]
        R[4] ^= R[8]
        R[5] ^= R[8]
        R[6] ^= R[8]
        R = R[:8]
    return R[0]


_RC = _rcs()
# rho offsets and pi lane order (FIPS 202 §3.2.2-3.2.3), lanes indexed x + 5 * y.
_ROT = [0] * 25
_x, _y = 1, 0
for _t in range(24):
    _ROT[_x + 5 * _y] = ((_t + 1) * (_t + 2) // 2) % 64
    _x, _y = _y, (2 * _x + 3 * _y) % 5


def _rotl(v, n):
    return ((v << n) | (v >> (64 - n))) & _MASK if n else v


def _keccak_p12(a):
    for ir in range(12, 24):
        c = [a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20] for x in range(5)]
        d = [c[(x - 1) % 5] ^ _rotl(c[(x + 1) % 5], 1) for x in range(5)]
        a = [a[i] ^ d[i % 5] for i in range(25)]
        b = [0] * 25
        for x in range(5):
            for y in range(5):
                # pi: A'[x, y] = A[(x + 3y) mod 5, x]
                src = (x + 3 * y) % 5 + 5 * x
                b[x + 5 * y] = _rotl(a[src], _ROT[src])
        a = [b[i] ^ ((~b[(i % 5 + 1) % 5 + 5 * (i // 5)]) & b[(i % 5 + 2) % 5 + 5 * (i // 5)])
             for i in range(25)]
        a[0] ^= _RC[ir]
    return a


class _TurboShake128:
    RATE = 168

    def __init__(self, domain):
        if not 0x01 <= domain <= 0x7F:
            raise ValueError('domain out of range')
        self.domain = domain
        self.buf = bytearray()
        self.out = None
        self.pos = 0
        self.state = [0] * 25

    def update(self, data):
        if self.out is not None:
            raise TypeError('update after read')
        self.buf += data
        return self

    def _absorb_block(self, block):
        for i in range(21):
            self.state[i] ^= int.from_bytes(block[8 * i:8 * i + 8], 'little')
        self.state = _keccak_p12(self.state)

    def _squeeze(self):
        return b''.join(self.state[i].to_bytes(8, 'little') for i in range(21))

    def read(self, n):
        if self.out is None:
            msg = bytes(self.buf) + bytes([self.domain])
            pad = (-len(msg)) % self.RATE
            msg = bytearray(msg + bytes(pad))
            msg[-1] ^= 0x80
            for off in range(0, len(msg), self.RATE):
                self._absorb_block(msg[off:off + self.RATE])
            self.out = bytearray(self._squeeze())
        while len(self.out) - self.pos < n:
            self.state = _keccak_p12(self.state)
            self.out += self._squeeze()
        res = bytes(self.out[self.pos:self.pos + n])
        self.pos += n
        return res


class TurboSHAKE128:
    @staticmethod
    def new(data=None, domain=0x1F):
        h = _TurboShake128(domain)
        if data is not None:
            h.update(data)
        return h
