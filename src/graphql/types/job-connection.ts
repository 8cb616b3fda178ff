/**
 * JobConnection and the `jobs(...)` query: JobList's filters with Relay pagination over Flux's
 * own job order (see src/joblist/job-pager.ts for how pages are fetched).
 */
import { responsePathAsArray, type GraphQLResolveInfo } from 'graphql';
import { JobPager, type JobInfoOptions, type JobPage, type JobRecord } from '../../joblist';
import { builder } from '../builder';
import type { GraphQLContext, PageLimits } from '../context';
import { ErrorCode, graphqlError, jobNotFoundError } from '../errors';
import { attrsForJobSelection } from '../selected-attributes';
import { canonicalQueryText, jobQueryFromArgs, type JobFilterArgs } from '../job-query';
import { JobView } from '../job-view';
import { decodeCursor, encodeCursor, queryFingerprint, type JobCursor } from '../pagination/cursor';
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

function cursorArg(text: string | null | undefined, query: string, forIds: boolean): JobCursor | undefined {
  if (text === null || text === undefined) return undefined;
  const cursor = decodeCursor(text);
  if (cursor.query !== query) {
    throw graphqlError(ErrorCode.BAD_CURSOR, `Invalid cursor "${text.slice(0, 40)}": it belongs to a query with other filters`);
  }
  if ((cursor.kind === 'ids') !== forIds) {
    throw graphqlError(
      ErrorCode.BAD_CURSOR,
      `Invalid cursor "${text.slice(0, 40)}": ${forIds ? 'not a cursor of a jobs(ids:) query' : 'a cursor of a jobs(ids:) query'}`,
    );
  }
  return cursor;
}

/** What the client selected below jobs: which Job fields, and whether cursors are needed at all. */
function connectionSelection(info: GraphQLResolveInfo): { attrs: string[]; needCursors: boolean } {
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

/** A page whose edges write their own cursors (on demand: only selected cursors are encoded). */
interface CursorPage {
  edges: { record: JobRecord; cursor: () => string }[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

/** The pager's page with each position written as a cursor carrying the query's fingerprint. */
function withCursors(page: JobPage, query: string): CursorPage {
  return {
    edges: page.edges.map((edge) => ({ record: edge.record, cursor: () => encodeCursor({ ...edge.position(), query }) })),
    hasNextPage: page.hasNextPage,
    hasPreviousPage: page.hasPreviousPage,
  };
}

function toConnection(page: CursorPage, jobInfo: JobInfoOptions, totalCount: () => Promise<number>): Connection {
  const edges: Edge[] = page.edges.map((edge) => ({
    node: new JobView(edge.record, jobInfo),
    get cursor() {
      return edge.cursor();
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

/** jobs(ids:): every ID is looked up (batched with the request's other lookups), in the given order. */
async function resolveByIds(ids: readonly bigint[], args: JobsArgs, context: GraphQLContext, info: GraphQLResolveInfo): Promise<Connection> {
  const request = pageRequest(args.first, args.last, context.pageLimits);
  const query = queryFingerprint(canonicalQueryText(args, ids));
  const after = cursorArg(args.after, query, true);
  const before = cursorArg(args.before, query, true);
  const { attrs } = connectionSelection(info);

  const records = await Promise.all(ids.map((id) => context.jobLoader.load(id, attrs)));
  const found: { index: number; view: JobView }[] = [];
  records.forEach((record, index) => {
    const id = ids[index] as bigint;
    if (record !== null) {
      found.push({ index, view: new JobView(record, context.jobInfo) });
      return;
    }
    context.deferredErrors.push(jobNotFoundError(id, responsePathAsArray(info.path)));
  });

  const afterIndex = after?.kind === 'ids' ? after.index : -1;
  const beforeIndex = before?.kind === 'ids' ? before.index : Number.POSITIVE_INFINITY;
  const inRange = found.filter((item) => item.index > afterIndex && item.index < beforeIndex);
  const window =
    request.direction === 'forward' ? inRange.slice(0, request.size) : inRange.slice(Math.max(0, inRange.length - request.size));
  const page: CursorPage = {
    edges: window.map((item) => ({ record: item.view.record, cursor: () => encodeCursor({ kind: 'ids', index: item.index, query }) })),
    hasNextPage: request.direction === 'forward' ? inRange.length > request.size : before !== undefined,
    hasPreviousPage: request.direction === 'backward' ? inRange.length > request.size : after !== undefined,
  };
  return toConnection(page, context.jobInfo, async () => found.length);
}

async function resolveJobs(args: JobsArgs, context: GraphQLContext, info: GraphQLResolveInfo): Promise<Connection> {
  // As in Flux's JobList, a bad user is refused even when `ids` makes the filters moot.
  const jobQuery = await jobQueryFromArgs(context.handle, args, context.userDatabase);
  if (args.ids !== null && args.ids !== undefined && args.ids.length > 0) return resolveByIds(args.ids, args, context, info);
  const request = pageRequest(args.first, args.last, context.pageLimits);
  const query = queryFingerprint(jobQuery.fingerprintText());
  const after = cursorArg(args.after, query, false);
  const before = cursorArg(args.before, query, false);
  const orderAfter = after?.kind === 'ids' ? undefined : after;
  const orderBefore = before?.kind === 'ids' ? undefined : before;
  const { attrs, needCursors } = connectionSelection(info);
  const pager = new JobPager(jobQuery.sourceOn(context.handle), { attrs, needCursors });
  const page =
    request.direction === 'forward'
      ? await pager.forward(request.size, orderAfter, orderBefore)
      : await pager.backward(request.size, orderBefore, orderAfter);
  return toConnection(withCursors(page, query), context.jobInfo, () => jobQuery.count(context.handle));
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
