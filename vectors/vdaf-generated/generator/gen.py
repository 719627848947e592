#!/usr/bin/env python3
"""Generates Prio3 test vectors with the draft-irtf-cfrg-vdaf-20 reference code (poc/), using
parameters, measurements, contexts, share counts and randomness that differ from the official
files, and Prio3L1BoundSum vectors with the draft-ietf-ppm-l1-bound-sum reference (its poc/).
Usage: gen.py POC_DIR L1_POC_DIR SHIM_DIR OUT_DIR [check OFFICIAL_DIR]."""
import json
import os
import random
import sys
import typing

# The reference code targets Python 3.12; on 3.11 only `typing.override` is missing.
if not hasattr(typing, 'override'):
    typing.override = lambda f: f

poc, l1poc, shim, out = sys.argv[1:5]
sys.path[:0] = [shim, poc, l1poc]
os.chdir(poc)

import gen_test_vec  # noqa: E402
from tests.test_vdaf_prio3 import Prio3HigherDegree  # noqa: E402
from vdaf_poc import test_utils, vdaf_prio3  # noqa: E402
from vdaf_poc.field import Field64, Field128  # noqa: E402
from vdaf_prio3_l1_bound_sum import Prio3L1BoundSum  # noqa: E402

if len(sys.argv) > 5 and sys.argv[5] == 'check':
    # Regenerate some official files with the reference's own fixed randomness and compare.
    official = sys.argv[6]
    ctx = b'some application'
    cases = [
        (vdaf_prio3.Prio3Count(3), [1], 'Prio3Count_1'),
        (vdaf_prio3.Prio3Sum(2, 1337), [0, 1, 1337, 99, 42, 0, 0, 42], 'Prio3Sum_2'),
        (vdaf_prio3.Prio3SumVecWithMultiproof(3, Field64, 3, 3, 65535, 7),
         [[10000, 32000, 9], [19342, 19615, 3061], [15986, 24671, 23910]],
         'Prio3SumVecWithMultiproof_1'),
        (vdaf_prio3.Prio3Histogram(3, 11, 3), [2], 'Prio3Histogram_1'),
        (vdaf_prio3.Prio3MultihotCountVec(4, 10, 2, 3),
         [[False, True] + [False] * 7 + [True]], 'Prio3MultihotCountVec_1'),
        (Prio3HigherDegree(2), [2], 'Prio3HigherDegree_0'),
        (Prio3L1BoundSum(2, 10, 240, 9),
         [list(range(10)), [240] + [0] * 9, [0] * 9 + [240], [0] * 10, [1] * 10],
         'Prio3L1BoundSum_0'),
    ]
    for vdaf, meas, name in cases:
        inst = name.split('_')[1]
        vec = test_utils.gen_test_vec_for_vdaf(out, vdaf, None, ctx, meas, int(inst), False)
        want = json.load(open(os.path.join(official, name + '.json')))
        print(name, 'identical' if vec == want else 'DIFFERENT')
    gen_test_vec.gen_prio3_negative_test_vec(out, ctx)
    for f in sorted(os.listdir(out)):
        if '_bad_' in f:
            same = json.load(open(os.path.join(out, f))) == json.load(
                open(os.path.join(official, f)))
            print(f, 'identical' if same else 'DIFFERENT')
    sys.exit(0)

# Seeded randomness in place of the reference's 00 01 02 ... pattern, so that nonces, rand and
# verify keys differ from the official files (and between files).
rng = random.Random(20261203)
test_utils.test_vec_gen_rand = lambda n: bytes(rng.getrandbits(8) for _ in range(n))
gen_test_vec.test_vec_gen_rand = test_utils.test_vec_gen_rand


def write(vdaf, ctx, meas, inst):
    vec = test_utils.gen_test_vec_for_vdaf(out, vdaf, None, ctx, meas, inst, False)
    test_utils.write_test_vec(out, vec, vdaf.test_vec_name, str(inst))


r = random.Random(7)
ctxs = [b'', b'dap-18' + bytes(range(32)), bytes(r.getrandbits(8) for _ in range(300)),
        b'\x00\xff' * 5]

write(vdaf_prio3.Prio3Count(5), ctxs[0], [1, 0, 1, 1], 10)
write(vdaf_prio3.Prio3Count(255), ctxs[1], [1], 11)
write(vdaf_prio3.Prio3Sum(4, 1), ctxs[2], [0, 1, 1], 10)
write(vdaf_prio3.Prio3Sum(2, (1 << 62) + 5), ctxs[1], [(1 << 62) + 5, 12345678901234567], 11)
write(vdaf_prio3.Prio3Sum(7, 1000), ctxs[3], [r.randrange(1001) for _ in range(6)], 12)
write(vdaf_prio3.Prio3SumVec(2, 5, 2**100 - 1, 50), ctxs[0],
      [[2**100 - 1, 0, 1, 2**64, 77], [r.randrange(2**100) for _ in range(5)]], 10)
write(vdaf_prio3.Prio3SumVec(6, 33, 7, 4), ctxs[2],
      [[r.randrange(8) for _ in range(33)] for _ in range(3)], 11)
write(vdaf_prio3.Prio3SumVecWithMultiproof(2, Field128, 2, 4, 3, 2), ctxs[1],
      [[3, 0, 1, 2], [1, 1, 1, 1]], 10)
write(vdaf_prio3.Prio3SumVecWithMultiproof(4, Field64, 5, 7, 100, 3), ctxs[3],
      [[r.randrange(101) for _ in range(7)] for _ in range(2)], 11)
write(vdaf_prio3.Prio3Histogram(2, 1, 1), ctxs[0], [0, 0, 0], 10)
write(vdaf_prio3.Prio3Histogram(9, 37, 6), ctxs[2], [r.randrange(37) for _ in range(4)], 11)
write(vdaf_prio3.Prio3Histogram(2, 300, 17), ctxs[1], [299, 0, 150], 12)
write(vdaf_prio3.Prio3MultihotCountVec(3, 12, 5, 4), ctxs[3],
      [[i in (0, 3, 11) for i in range(12)], [False] * 12, [i < 5 for i in range(12)]], 10)
write(vdaf_prio3.Prio3MultihotCountVec(2, 1, 1, 1), ctxs[0], [[True], [False]], 11)
write(Prio3HigherDegree(3), ctxs[2], [0, 1, 2, 2], 10)
write(Prio3L1BoundSum(3, 16, 255, 5), ctxs[1],
      [[255] + [0] * 15, [0] * 16, [16 - i for i in range(16)][:15] + [0]], 10)
write(Prio3L1BoundSum(2, 1, 1, 1), ctxs[0], [[1], [0], [1]], 11)
write(Prio3L1BoundSum(5, 7, 1000, 3), ctxs[2],
      [[r.randrange(140) for _ in range(7)] for _ in range(3)], 12)
# Negative cases with another context (the reference's own tampering recipes).
gen_test_vec.gen_prio3_negative_test_vec(out, ctxs[1])

# XofTurboShake128 with another seed, tag, binder and length (the official file's schema, plus
# the same stream read as Field64 elements).
from vdaf_poc.xof import XofTurboShake128  # noqa: E402

seed = test_utils.test_vec_gen_rand(32)
dst = bytes(r.getrandbits(8) for _ in range(70))
binder = bytes(r.getrandbits(8) for _ in range(1000))
xof_vec = {
    'seed': seed.hex(), 'dst': dst.hex(), 'binder': binder.hex(), 'length': 129,
    'derived_seed': XofTurboShake128.derive_seed(seed, dst, binder).hex(),
    'expanded_vec_field128': Field128.encode_vec(
        XofTurboShake128.expand_into_vec(Field128, seed, dst, binder, 129)).hex(),
    'expanded_vec_field64': Field64.encode_vec(
        XofTurboShake128.expand_into_vec(Field64, seed, dst, binder, 129)).hex(),
}
with open(os.path.join(out, 'XofTurboShake128_1.json'), 'w', encoding='UTF-8') as f:
    json.dump(xof_vec, f, indent=4, sort_keys=True)
    f.write('\n')
