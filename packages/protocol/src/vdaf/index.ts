// Public names of the vdaf module: Prio3 (draft-irtf-cfrg-vdaf-20) and its variants,
// Prio3L1BoundSum, the FLP and gadgets for custom circuits, encodings and ping-pong.
export {
  Prio3,
  NONCE_SIZE,
  SEED_SIZE,
  VDAF_VERSION,
  type Prio3HelperShare,
  type Prio3InputShare,
  type Prio3LeaderShare,
  type Prio3Options,
  type Prio3Params,
  type Prio3PublicShare,
  type Prio3Report,
  type Prio3VerifierMessage,
  type Prio3VerifierShare,
  type Prio3VerifyState,
} from './prio3.js';
export {
  PRIO3_ALGORITHM_IDS,
  Prio3Count,
  Prio3Histogram,
  Prio3L1BoundSum,
  Prio3MultihotCountVec,
  Prio3Sum,
  Prio3SumVec,
  Prio3SumVecWithMultiproof,
} from './variants.js';
export { FlpBBCGGI19, type ValidCircuit } from './flp.js';
export { Mul, ParallelSum, PolyEval, gadgetPolyLen, wirePolyLen, type Gadget } from './gadgets.js';
export { countCircuit, sumCircuit } from './circuits/count-sum.js';
export { histogramCircuit, multihotCountVecCircuit, sumVecCircuit } from './circuits/vector.js';
export { l1BoundSumCircuit } from './circuits/l1-bound-sum.js';
export { rangeCheckWires } from './circuits/parallel-range.js';
export {
  pingPongHelperContinued,
  pingPongHelperInit,
  pingPongLeaderContinued,
  pingPongLeaderInit,
  type PingPongState,
} from './ping-pong.js';
export {
  PingPongMessageType,
  decodePingPongMessage,
  encodePingPongMessage,
  pingPongMessageCodec,
  type PingPongMessage,
} from './ping-pong-message.js';
export {
  chunkLengthForMeasLen,
  parallelSumProofLen,
  recommendedChunkLength,
  type ChunkedVariant,
} from './chunk-length.js';
