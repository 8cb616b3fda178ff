/**
 * The Pothos schema builder, set up once; the types live in ./types, one file each.
 *
 * Relay global IDs are not Pothos's base64 "Type:id": Job is the only Node, and its ID is the
 * job's F58 ID as `flux jobs` prints it, so `node(id:)` accepts any job ID text (every Flux
 * encoding); see types/job.ts for the node field itself.
 */
import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import type { GraphQLContext } from './context';
import { resolveJobNode, resolveJobNodes } from './loaders/node-lookup';

export interface FluxSchemaTypes {
  Context: GraphQLContext;
  Scalars: {
    ID: { Input: string; Output: string };
    /** A job ID: any Flux text form in, F58 out; bigint inside. */
    JobID: { Input: bigint; Output: bigint };
    /** Any JSON value (graphql-scalars). */
    JSON: { Input: unknown; Output: unknown };
    /** An integer that may exceed 32 bits but stays within 2^53 (graphql-scalars SafeInt). */
    SafeInt: { Input: number; Output: number };
  };
  /** Every connection can count its jobs, lazily (only when totalCount is selected). */
  Connection: { totalCount: () => Promise<number> };
  /** Fields are non-null unless they say otherwise (Job fields Flux may not have set do). */
  DefaultFieldNullability: false;
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
}

export const builder = new SchemaBuilder<FluxSchemaTypes>({
  plugins: [RelayPlugin],
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodesOnConnection: true,
    edgesFieldOptions: { nullable: { list: false, items: false } },
    nodeFieldOptions: { nullable: false },
    encodeGlobalID: (_typename, id) => String(id),
    decodeGlobalID: (globalID) => ({ typename: 'Job', id: globalID }),
    nodeQueryOptions: {
      description: 'A job by its ID in any Flux encoding (the `id` of a Job is its F58 form); null if Flux does not know it.',
      resolve: (_root, args, context, info) => resolveJobNode(args.id.id, context, info),
    },
    nodesQueryOptions: {
      description: 'Jobs by their IDs in any Flux encoding, in the given order; null for each one Flux does not know.',
      resolve: (_root, args, context, info) => resolveJobNodes(args.ids.map((id) => id.id), context, info),
    },
  },
});
