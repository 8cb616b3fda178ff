import { IdListPager, type JobRecord } from '../../src/joblist';

const KNOWN = new Map<bigint, JobRecord>([5n, 3n, 8n, 1n].map((id) => [id, { id, state: 8 }]));

/** A lookup that records when it is asked (synchronously, or after a tick) and what. */
function lookups(): { asked: string[]; lookup: (id: bigint, attrs: readonly string[]) => Promise<JobRecord | null> } {
  const asked: string[] = [];
  return {
    asked,
    lookup: (id, attrs) => {
      asked.push(`${id}:${attrs.join(',')}`);
      return Promise.resolve(KNOWN.get(id) ?? null);
    },
  };
}

describe('IdListPager', () => {
  const IDS = [5n, 99n, 3n, 8n, 77n, 1n];
  const indexes = (page: { edges: { position: () => { index: number } }[] }): number[] => page.edges.map((edge) => edge.position().index);

  it('asks for every ID in the call that pages, so a loader batches them with the same tick', () => {
    const { asked, lookup } = lookups();
    const pager = new IdListPager(IDS, lookup, { attrs: ['state'], onNotFound: () => undefined });
    void pager.forward(1);
    expect(asked).toEqual(['5:state', '99:state', '3:state', '8:state', '77:state', '1:state']);
  });

  it('pages forward and backward by index, an unknown ID keeping its index', async () => {
    const { lookup } = lookups();
    const pager = new IdListPager(IDS, lookup, { attrs: [], onNotFound: () => undefined });
    const first = await pager.forward(2);
    expect(indexes(first)).toEqual([0, 2]);
    expect(first.edges.map((edge) => edge.record.id)).toEqual([5n, 3n]);
    expect(first).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(indexes(await pager.forward(5, { kind: 'ids', index: 1 }))).toEqual([2, 3, 5]);
    const last = await pager.backward(2, { kind: 'ids', index: 5 }, { kind: 'ids', index: 0 });
    expect(indexes(last)).toEqual([2, 3]);
    expect(last).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  });

  it('reports the unknown IDs once, in list order, and counts the others without asking again', async () => {
    const { asked, lookup } = lookups();
    const notFound: bigint[] = [];
    const pager = new IdListPager(IDS, lookup, { attrs: [], onNotFound: (id) => notFound.push(id) });
    await pager.backward(1);
    expect(await pager.count()).toBe(4);
    expect(notFound).toEqual([99n, 77n]);
    expect(asked).toHaveLength(IDS.length);
  });
});
