/**
 * The serve command's identity options: the access settings each combination becomes, and the
 * combinations refused with a sentence and exit code 2.
 */
import { runCli, type BrokerSettings, type CommandActions, type ServeSettings } from '../../src/server/cli';

function recordingActions(): CommandActions & { serves: ServeSettings[]; brokers: BrokerSettings[] } {
  const serves: ServeSettings[] = [];
  const brokers: BrokerSettings[] = [];
  return { serves, brokers, serve: async (s) => void serves.push(s), broker: async (s) => void brokers.push(s) };
}

let stderr: jest.SpyInstance;
beforeEach(() => {
  delete process.env['FLUX_URI'];
  stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => stderr.mockRestore());
const errorText = (): string => stderr.mock.calls.map(([text]) => String(text)).join('');

async function served(argv: string[]): Promise<ServeSettings> {
  const actions = recordingActions();
  expect(await runCli(['serve', ...argv], actions)).toBe(0);
  return actions.serves[0] as ServeSettings;
}

describe('serve --auth', () => {
  it('trusted-header takes the header, the proxies and the admins', async () => {
    const settings = await served(['--auth', 'trusted-header', '--trusted-proxy', '10.0.0.0/8', '--trusted-proxy', '::1', '--auth-header', 'X-Forwarded-User', '--admin', 'ops', '--admin', 'root']);
    expect(settings.access).toEqual({
      auth: { mode: 'trusted-header', header: 'X-Forwarded-User', trustedProxies: ['10.0.0.0/8', '::1'] },
      admins: ['ops', 'root'],
      ownJobsOnly: false,
    });
  });

  it('trusted-header defaults to X-Remote-User', async () => {
    const settings = await served(['--auth', 'trusted-header', '--trusted-proxy', '127.0.0.1']);
    expect(settings.access?.auth).toEqual({ mode: 'trusted-header', header: 'X-Remote-User', trustedProxies: ['127.0.0.1'] });
  });

  it('jwt takes a key file, issuer, audience and claim; the claim defaults to preferred_username then sub', async () => {
    expect((await served(['--auth', 'jwt', '--jwt-key', '/etc/k.pem', '--jwt-issuer', 'https://idp', '--jwt-audience', 'flux', '--jwt-user-claim', 'uid'])).access?.auth).toEqual({
      mode: 'jwt', keyFile: '/etc/k.pem', issuer: 'https://idp', audience: 'flux', userClaims: ['uid'],
    });
    expect((await served(['--auth', 'jwt', '--jwt-jwks', '/etc/jwks.json'])).access?.auth).toEqual({ mode: 'jwt', jwksFile: '/etc/jwks.json', userClaims: ['preferred_username', 'sub'] });
  });

  it('passes --allow-anonymous, --max-concurrent-per-user, --own-jobs-only and --private-mode on', async () => {
    const settings = await served(['--allow-anonymous', '--host', '0.0.0.0', '--max-concurrent-per-user', '4', '--private-mode', '--own-jobs-only']);
    expect(settings.allowAnonymous).toBe(true);
    expect(settings.access?.ownJobsOnly).toBe(true);
    expect(settings.maxConcurrentPerUser).toBe(4);
    expect(settings.embedded.privateMode).toBe(true);
  });

  it('broker takes --private-mode', async () => {
    const actions = recordingActions();
    expect(await runCli(['broker', '--listen', '/tmp/x.sock', '--private-mode'], actions)).toBe(0);
    expect(actions.brokers[0]?.embedded.privateMode).toBe(true);
  });

  it.each([
    [['--auth', 'kerberos'], "option '--auth <mode>' argument 'kerberos' is invalid. Allowed choices are none, trusted-header, jwt."],
    [['--auth', 'trusted-header'], '--auth trusted-header needs at least one --trusted-proxy CIDR'],
    [['--auth', 'trusted-header', '--trusted-proxy', '10.0.0.0/33'], 'the prefix length must be an integer from 0 to 32'],
    [['--auth', 'trusted-header', '--trusted-proxy', 'proxy.example.org'], 'is not an IP address or CIDR block'],
    [['--auth', 'trusted-header', '--trusted-proxy', '::1', '--auth-header', 'Authorization'], 'Authorization cannot carry the user name'],
    [['--auth', 'trusted-header', '--trusted-proxy', '::1', '--auth-header', 'X User'], 'A header name is letters, digits and -'],
    [['--auth', 'jwt'], '--auth jwt needs exactly one of --jwt-jwks FILE and --jwt-key FILE.'],
    [['--auth', 'jwt', '--jwt-jwks', 'a', '--jwt-key', 'b'], '--auth jwt needs exactly one of --jwt-jwks FILE and --jwt-key FILE.'],
    [['--jwt-key', 'k.pem'], '--jwt-key applies to --auth jwt, not --auth none.'],
    [['--auth', 'jwt', '--jwt-key', 'k', '--trusted-proxy', '::1'], '--trusted-proxy applies to --auth trusted-header, not --auth jwt.'],
    [['--admin', 'a b'], 'An admin is a user name'],
    [['--max-concurrent-per-user', '0'], 'The number of concurrent requests per user must be an integer from 1 to 9999999.'],
    [['--flux-uri', 'local:///x', '--private-mode'], '--private-mode applies to the embedded instance only'],
  ])('refuses %p with exit code 2', async (argv, message) => {
    const actions = recordingActions();
    expect(await runCli(['serve', ...argv], actions)).toBe(2);
    expect(errorText()).toContain(message);
    expect(actions.serves).toEqual([]);
  });
});
