/**
 * CORS: off unless origins are named, so a web page the user opens cannot read the jobs of a
 * server on their machine through their browser; named origins get credentials-capable CORS.
 */
import { EmbeddedInstance } from '../../src/embedded';
import { createApp, type FluxGraphQLApp } from '../../src/server/app';
import { runCli, type CommandActions, type ServeSettings } from '../../src/server/cli';

const DASHBOARD = 'https://dashboard.example.org';
const EVIL = 'https://evil.example.com';

function appWith(corsOrigins?: string[]): FluxGraphQLApp {
  const instance = new EmbeddedInstance({});
  return createApp({ handle: instance.handle(), logging: false, ...(corsOrigins === undefined ? {} : { corsOrigins }) });
}

function preflight(app: FluxGraphQLApp, origin: string): Promise<Response> {
  return Promise.resolve(
    app.fetch('http://yoga/graphql', {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    }),
  );
}

function post(app: FluxGraphQLApp, origin: string): Promise<Response> {
  return Promise.resolve(
    app.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    }),
  );
}

describe('CORS', () => {
  it('is off by default: no origin is allowed, on preflight or POST', async () => {
    const app = appWith();
    for (const response of [await preflight(app, EVIL), await post(app, EVIL)]) {
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });

  it('allows exactly the named origins, with credentials', async () => {
    const app = appWith([DASHBOARD]);
    const allowed = await preflight(app, DASHBOARD);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    expect((await post(app, DASHBOARD)).headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    const refused = await post(app, EVIL);
    // A browser reads an answer only when the allowed origin is its own (or *).
    expect([EVIL, '*']).not.toContain(refused.headers.get('access-control-allow-origin'));
  });
});

describe('serve --cors-origin', () => {
  function recording(): CommandActions & { serves: ServeSettings[] } {
    const serves: ServeSettings[] = [];
    return { serves, serve: async (settings) => void serves.push(settings), broker: async () => undefined };
  }
  let stderr: jest.SpyInstance;
  beforeEach(() => {
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => stderr.mockRestore());

  it('is repeatable and collects the origins', async () => {
    const actions = recording();
    expect(await runCli(['serve', '--embedded', '--cors-origin', DASHBOARD, '--cors-origin', 'http://localhost:3000'], actions)).toBe(0);
    expect(actions.serves[0]?.corsOrigins).toEqual([DASHBOARD, 'http://localhost:3000']);
  });

  it('gives no origins when the option is absent', async () => {
    const actions = recording();
    expect(await runCli(['serve', '--embedded'], actions)).toBe(0);
    expect(actions.serves[0]?.corsOrigins).toBeUndefined();
  });

  it.each(['*', 'dashboard.example.org', 'https://dashboard.example.org/', 'https://dashboard.example.org/app', 'ftp://x.org'])(
    'refuses %j with exit code 2 and a sentence',
    async (origin) => {
      expect(await runCli(['serve', '--embedded', '--cors-origin', origin], recording())).toBe(2);
      expect(stderr.mock.calls.map(([text]) => String(text)).join('')).toContain('A CORS origin must be scheme://host[:port]');
    },
  );
});
