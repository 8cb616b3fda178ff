/**
 * Randomness for details the record does not hold (output text, pids, the few timestamps of a
 * job loaded from a job-list record): seeded from the job ID, so every lookup of the same job
 * gets the same answer, and each kind of document draws from its own stream.
 */
import { SeededRandom } from '../workload/random';

export const DetailStream = {
  EVENTLOG: 1,
  RUN: 2,
  OUTPUT: 3,
} as const;

export function jobRandom(id: bigint, stream: number): SeededRandom {
  // Fold the 64-bit ID into a safe integer; FLUIDs differ in their low bits.
  const folded = Number(BigInt.asUintN(52, id ^ (id >> 52n)));
  return new SeededRandom(folded, stream);
}
