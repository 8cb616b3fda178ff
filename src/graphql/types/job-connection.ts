/**
 * JobConnection and the `jobs(...)` query: JobList's filters with Relay pagination over Flux's
 * own job order, or over the `ids` list in its own order. The job-list port's pagers do the
 * windowing (src/joblist/job-pager.ts, id-list-pager.ts); this file writes their positions as
 * cursors.
 */
import { responsePathAsArray, type GraphQLResolveInfo } from 'graphql';
import {
  IdListPager,
  JobPager,
  type IdListPosition,
  type JobInfoOptions,
  type JobPage,
  type JobQuery,
  type OrderPosition,
  type PageOptions,
  type Pager,
} from '../../joblist';
import { builder } from '../builder';
import type { GraphQLContext, PageLimits } from '../context';
import { ErrorCode, graphqlError, jobNotFoundError } from '../errors';
import { attrsForJobSelection } from '../selected-attributes';
import { jobQueryFromArgs, type JobFilterArgs } from '../job-query';
import { JobView } from '../job-view';
import { decodeCursor, encodeCursor, queryFingerprint, type JobCursor, type JobPosition } from '../pagination/cursor';
import { fieldNodesAt, selectedFields } from '../selection';
import { JobFilterEnum } from './job-filter';
import { JobNode } from './job';

export const JobConnection = builder.connectionObject(
  {
    type: JobNode,
    name: 'JobConnection',
    description:
      "A page of jobs in Flux's order: pending (highest priority first), then running (latest start first), then " +
      'inactive (latest end first). Cursors are opaque and belong to the query that returned them. Past the pending ' +
      'jobs a cursor is a position in the sort key, so jobs that arrive or finish between pages neither shift nor ' +
      'repeat the rest; among pending jobs it is an offset, since their order (priority) can change at any time. ' +
      'Paging backward (last/before) lists every job before the position, so it costs more than paging forward.',
    fields: (t) => ({
      totalCount: t.int({
        description: 'How many jobs match the query in all (computed only when selected: it lists every matching ID).',
        resolve: (connection) => connection.totalCount(),
      }),
    }),
  },
  { name: 'JobEdge' },
);

interface Edge {
  readonly cursor: string;
  readonly node: JobView;
}

interface Connection {
  edges: Edge[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; readonly startCursor: string | null; readonly endCursor: string | null };
  totalCount: () => Promise<number>;
}

type PageRequest = { direction: 'forward'; size: number } | { direction: 'backward'; size: number };

function checkSize(name: 'first' | 'last', value: number, limits: PageLimits): number {
  if (value < 0) throw graphqlError(ErrorCode.BAD_USER_INPUT, `${name} must not be negative (got ${value})`);
  if (value > limits.maxPageSize) {
    throw graphqlError(ErrorCode.BAD_USER_INPUT, `${name} must be at most ${limits.maxPageSize} (got ${value})`, {
      maxPageSize: limits.maxPageSize,
    });
  }
  return value;
}

function pageRequest(first: number | null | undefined, last: number | null | undefined, limits: PageLimits): PageRequest {
  const hasFirst = first !== null && first !== undefined;
  const hasLast = last !== null && last !== undefined;
  if (hasFirst && hasLast) throw graphqlError(ErrorCode.BAD_USER_INPUT, 'pass either first or last, not both');
  if (hasLast) return { direction: 'backward', size: checkSize('last', last, limits) };
  return { direction: 'forward', size: hasFirst ? checkSize('first', first, limits) : limits.defaultPageSize };
}

/** The cursors a pager's positions are written as, and what a cursor of the other kind is called. */
interface CursorKind<P extends JobPosition> {
  holds: (cursor: JobCursor) => cursor is JobCursor & P;
  otherKind: string;
}

const ORDER_CURSORS: CursorKind<OrderPosition> = {
  holds: (cursor): cursor is JobCursor & OrderPosition => cursor.kind !== 'ids',
  otherKind: 'a cursor of a jobs(ids:) query',
};

const ID_LIST_CURSORS: CursorKind<IdListPosition> = {
  holds: (cursor): cursor is JobCursor & IdListPosition => cursor.kind === 'ids',
  otherKind: 'not a cursor of a jobs(ids:) query',
};

function cursorArg<P extends JobPosition>(text: string | null | undefined, query: string, kind: CursorKind<P>): P | undefined {
  if (text === null || text === undefined) return undefined;
  const cursor = decodeCursor(text);
  if (cursor.query !== query) {
    throw graphqlError(ErrorCode.BAD_CURSOR, `Invalid cursor "${text.slice(0, 40)}": it belongs to a query with other filters`);
  }
  if (!kind.holds(cursor)) throw graphqlError(ErrorCode.BAD_CURSOR, `Invalid cursor "${text.slice(0, 40)}": ${kind.otherKind}`);
  return cursor;
}

/** What the client selected below jobs: which Job fields, and whether cursors are needed at all. */
function connectionSelection(info: GraphQLResolveInfo): PageOptions {
  const connectionFields = selectedFields(info, info.fieldNodes, ['JobConnection']);
  const edgeFields = selectedFields(info, connectionFields.get('edges') ?? [], ['JobEdge']);
  const pageInfoFields = selectedFields(info, connectionFields.get('pageInfo') ?? [], ['PageInfo']);
  const jobNodes = [
    ...fieldNodesAt(info, info.fieldNodes, [
      { field: 'edges', typeNames: ['JobConnection'] },
      { field: 'node', typeNames: ['JobEdge'] },
    ]),
    ...(connectionFields.get('nodes') ?? []),
  ];
  const needCursors = edgeFields.has('cursor') || pageInfoFields.has('startCursor') || pageInfoFields.has('endCursor');
  return { attrs: attrsForJobSelection(info, jobNodes), needCursors };
}

/** The pager's page, each position written as a cursor (on demand) carrying the query's fingerprint. */
function toConnection<P extends JobPosition>(page: JobPage<P>, query: string, jobInfo: JobInfoOptions, totalCount: () => Promise<number>): Connection {
  const edges: Edge[] = page.edges.map((edge) => ({
    node: new JobView(edge.record, jobInfo),
    get cursor() {
      const position: JobPosition = edge.position();
      return encodeCursor({ ...position, query });
    },
  }));
  return {
    edges,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      get startCursor() {
        return edges[0]?.cursor ?? null;
      },
      get endCursor() {
        return edges[edges.length - 1]?.cursor ?? null;
      },
    },
    totalCount,
  };
}

interface JobsArgs extends JobFilterArgs {
  ids?: readonly bigint[] | null;
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** What jobs(...) pages through: the fingerprint its cursors carry, their kind, and its pager for a selection. */
interface Listing<P extends JobPosition> {
  fingerprint: string;
  cursors: CursorKind<P>;
  pagerFor: (selection: PageOptions) => Pager<P>;
}

async function paginate<P extends JobPosition>(listing: Listing<P>, args: JobsArgs, context: GraphQLContext, info: GraphQLResolveInfo): Promise<Connection> {
  const request = pageRequest(args.first, args.last, context.pageLimits);
  const after = cursorArg(args.after, listing.fingerprint, listing.cursors);
  const before = cursorArg(args.before, listing.fingerprint, listing.cursors);
  const pager = listing.pagerFor(connectionSelection(info));
  const page =
    request.direction === 'forward'
      ? await pager.forward(request.size, after, before)
      : await pager.backward(request.size, before, after);
  return toConnection(page, listing.fingerprint, context.jobInfo, () => pager.count());
}

/** jobs(ids:): every ID is looked up (batched with the request's other lookups), in the given order. */
function idListing(ids: readonly bigint[], jobQuery: JobQuery, context: GraphQLContext, info: GraphQLResolveInfo): Listing<IdListPosition> {
  return {
    fingerprint: queryFingerprint(jobQuery.fingerprintText(ids)),
    cursors: ID_LIST_CURSORS,
    pagerFor: ({ attrs }) =>
      new IdListPager(ids, (id, wanted) => context.jobLoader.load(id, wanted), {
        attrs,
        onNotFound: (id) => context.deferredErrors.push(jobNotFoundError(id, responsePathAsArray(info.path))),
      }),
  };
}

function orderListing(jobQuery: JobQuery, context: GraphQLContext): Listing<OrderPosition> {
  return {
    fingerprint: queryFingerprint(jobQuery.fingerprintText()),
    cursors: ORDER_CURSORS,
    pagerFor: (selection) => new JobPager(jobQuery.sourceOn(context.handle), selection),
  };
}

async function resolveJobs(args: JobsArgs, context: GraphQLContext, info: GraphQLResolveInfo): Promise<Connection> {
  // As in Flux's JobList, a bad user is refused even when `ids` makes the filters moot.
  const jobQuery = await jobQueryFromArgs(context.handle, args, context.userDatabase);
  const ids = args.ids ?? [];
  if (ids.length > 0) return paginate(idListing(ids, jobQuery, context, info), args, context, info);
  return paginate(orderListing(jobQuery, context), args, context, info);
}

builder.queryField('jobs', (t) =>
  t.field({
    type: JobConnection,
    description:
      "Jobs in Flux's order, filtered as Flux's JobList does: `filters` are ORed (states with results); " +
      'user, name, queue, since and constraint are ANDed with them; `ids` fetches exactly those jobs and ' +
      'ignores every other filter (an unknown ID is reported as a JOB_NOT_FOUND error, the others are still returned).',
    args: {
      filters: t.arg({
        type: [JobFilterEnum],
        required: { list: false, items: true },
        description: 'States, state sets and results to list (ORed); all jobs when absent or empty.',
      }),
      user: t.arg.string({ description: 'A user name, a uid or "all" (the default: every user).' }),
      ids: t.arg({
        type: ['JobID'],
        required: { list: false, items: true },
        description: 'Exactly these jobs, in this order (other filters are then ignored).',
      }),
      since: t.arg.float({ description: 'Only inactive jobs that became inactive after this Unix time (active jobs are not affected).' }),
      name: t.arg.string({ description: 'Only jobs with exactly this name.' }),
      queue: t.arg.stringList({ required: { list: false, items: true }, description: 'Only jobs in one of these queues.' }),
      constraint: t.arg({ type: 'JSON', description: 'An RFC 31 constraint, e.g. {"t_submit": [">=1700000000"]}, ANDed with the other filters.' }),
      first: t.arg.int({ description: 'Page size going forward (default and maximum are server settings).' }),
      after: t.arg.string({ description: 'A cursor from a previous page of the same query.' }),
      last: t.arg.int({ description: 'Page size going backward.' }),
      before: t.arg.string({ description: 'A cursor from a previous page of the same query.' }),
    },
    resolve: (_root, args, context, info) => resolveJobs(args, context, info),
  }),
);
