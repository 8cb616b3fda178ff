import { Kind, type ValueNode } from 'graphql';
import { JSONResolver, SafeIntResolver } from 'graphql-scalars';
import { encodeJobId } from '../../flux/jobid';
import { builder } from '../builder';
import { ErrorCode, graphqlError } from '../errors';
import { parseJobIdInput } from '../job-id-input';

builder.addScalarType('JSON', JSONResolver);
builder.addScalarType('SafeInt', SafeIntResolver);

function jobIdFromValue(value: unknown): bigint {
  if (typeof value === 'string') return parseJobIdInput(value);
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  const shown = typeof value === 'number' ? String(value) : JSON.stringify(value) ?? String(value);
  throw graphqlError(
    ErrorCode.INVALID_JOBID,
    `invalid job ID ${shown}: give a job ID as a string (a number above 2^53 would already have lost digits)`,
  );
}

function jobIdFromLiteral(node: ValueNode): bigint {
  if (node.kind === Kind.STRING) return parseJobIdInput(node.value);
  // An integer literal keeps all its digits in the query text, so any 64-bit ID is exact.
  if (node.kind === Kind.INT) return parseJobIdInput(node.value);
  throw graphqlError(ErrorCode.INVALID_JOBID, `invalid job ID: expected a string, got a ${node.kind.toLowerCase()} value`);
}

builder.scalarType('JobID', {
  description:
    'A Flux job ID. Output is the F58 form (ƒ…). Input may be any form Flux reads: decimal, ' +
    '0x-hex, dothex, kvs (job.…) or F58 with ƒ or f; the words and emoji forms are not supported.',
  serialize: (id) => encodeJobId(id, 'f58'),
  parseValue: (value) => jobIdFromValue(value),
  parseLiteral: (node) => jobIdFromLiteral(node),
});
