// The description of the machine a run was measured on, saved with every figure.
import os from 'node:os';
import type { Machine } from './figures.js';

/**
 * Describes this machine: CPU model, cores, memory, node version and OS.
 *
 * @returns the description.
 */
export function describeMachine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim().replace(/\s+/g, ' ') ?? 'unknown',
    cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    memory: os.totalmem(),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    arch: os.arch(),
  };
}
