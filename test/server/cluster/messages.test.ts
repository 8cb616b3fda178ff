/** The IPC messages of serve --workers: ours are told from anything else on the channel (prom-client's, a stray one). */
import { asClusterMessage, clusterMessage, START_ENV, takeStartSettings } from '../../../src/server/cluster/messages';

describe('asClusterMessage', () => {
  it.each([
    clusterMessage('ready', { port: 4000 }),
    clusterMessage('failed', { message: 'cannot listen' }),
    clusterMessage('shutdown', {}),
    clusterMessage('metrics-collect', { collectId: 7 }),
    clusterMessage('description', { description: 'embedded:jobs=3,seed=1,live-failed' }),
  ])('takes ours as they are: %p', (message) => {
    // Through the IPC channel's JSON serialisation, as the other process receives it.
    expect(asClusterMessage(JSON.parse(JSON.stringify(message)))).toEqual(message);
  });

  it.each([
    null,
    'shutdown',
    42,
    { type: 'prom-client:getMetricsReq', requestId: 1 },
    { cmd: 'NODE_CLUSTER', act: 'online' },
    { channel: 'flux-graphql' },
    { channel: 'flux-graphql', kind: 'reboot' },
    { channel: 'other', kind: 'shutdown' },
  ])('passes by %p', (value) => {
    expect(asClusterMessage(value)).toBeUndefined();
  });
});

describe('takeStartSettings', () => {
  it('reads the settings once and removes them from the environment', () => {
    const env: NodeJS.ProcessEnv = { [START_ENV]: JSON.stringify({ port: 4100, workers: 3 }), PATH: '/bin' };
    expect(takeStartSettings(env)).toEqual({ port: 4100, workers: 3 });
    expect(env).toEqual({ PATH: '/bin' });
  });

  it('says who starts the module when the settings are missing', () => {
    expect(() => takeStartSettings({})).toThrow(`${START_ENV} is not set: this module is started by flux-graphql serve --workers`);
  });
});
