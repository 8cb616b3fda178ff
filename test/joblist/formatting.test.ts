import fc from 'fast-check';
import { userInfo } from 'os';
import { formatFixed, formatGeneral } from '../../src/joblist/c-number-format';
import { formatFsd, parsePasswd, resultToString, signalDescription, stateToString, systemUserDatabase } from '../../src/joblist';

describe('printf-style number formatting', () => {
  it.each([
    [0.0001234, '0.0001234'],
    [0.00001234, '1.234e-05'],
    [123456, '1.235e+05'],
    [1234.5, '1234'], // exact tie: C rounds half to even (JavaScript's toPrecision says 1235)
    [1235.5, '1236'],
    [12345, '1.234e+04'],
    [100, '100'],
    [1e21, '1e+21'],
    [0.5, '0.5'],
    [-2.5e-7, '-2.5e-07'],
    [0, '0'],
    [-0, '-0'],
    [9999.5, '1e+04'],
    [Number.POSITIVE_INFINITY, 'inf'],
    [Number.NaN, 'nan'],
  ])('%%.4g of %d is %s', (value, expected) => {
    expect(formatGeneral(value, 4)).toBe(expected);
  });

  it.each([
    [1.0625, 3, '1.062'],
    [1.1875, 3, '1.188'],
    [2.5, 0, '2'],
    [3.5, 0, '4'],
    [0.0005, 3, '0.001'],
    [1.5, 3, '1.500'],
    [-0.0001, 3, '-0.000'],
    [9.9996, 3, '10.000'],
  ])('%%.%2$d f of %1$d is %3$s', (value, precision, expected) => {
    expect(formatFixed(value, precision)).toBe(expected);
  });

  // Away from exact binary ties C and JavaScript round alike, so the values must agree.
  const noTies = fc.double({ min: 1e-9, max: 1e12, noNaN: true }).filter((x) => !Number.isInteger(x * 2 ** 24));

  it('agrees with toPrecision(4) in value', () => {
    fc.assert(fc.property(noTies, (x) => Number(formatGeneral(x, 4)) === Number(x.toPrecision(4))));
  });

  it('agrees with toFixed(3)', () => {
    fc.assert(fc.property(noTies, (x) => formatFixed(x, 3) === x.toFixed(3)));
  });
});

describe('Flux Standard Duration', () => {
  it.each([
    [0, '0s'],
    [0.0009, '0s'],
    [-5, '0s'],
    [0.001, '0.001s'],
    [1.5, '1.500s'],
    [9.9994, '9.999s'],
    [10, '10s'],
    [59.9, '59.9s'],
    [60, '1m'],
    [90, '1.5m'],
    [3599, '59.98m'],
    [3600, '1h'],
    [45000, '12.5h'],
    [86400, '1d'],
    [86400 * 1234.56, '1235d'],
    [86400 * 12345, '1.234e+04d'],
    [Number.POSITIVE_INFINITY, 'inf'],
  ])('%d seconds -> %s', (seconds, expected) => {
    expect(formatFsd(seconds)).toBe(expected);
  });
});

describe('state and result names', () => {
  it.each([
    [1, 'NEW', 'new', 'N', 'n'],
    [16, 'RUN', 'run', 'R', 'r'],
    [14, 'PENDING', 'pending', 'PD', 'pd'],
    [48, 'RUNNING', 'running', 'RU', 'ru'],
    [62, 'ACTIVE', 'active', 'A', 'a'],
    [0, '(unknown)', '(unknown)', '?', '?'],
    [128, '(unknown)', '(unknown)', '?', '?'],
  ])('state %d', (state, L, l, S, s) => {
    expect([stateToString(state), stateToString(state, 'l'), stateToString(state, 'S'), stateToString(state, 's')]).toEqual([L, l, S, s]);
  });

  it.each([
    [1, 'COMPLETED', 'cd'],
    [2, 'FAILED', 'f'],
    [4, 'CANCELED', 'ca'],
    [8, 'TIMEOUT', 'to'],
    [3, '(unknown)', '?'],
  ])('result %d', (result, long, shortLower) => {
    expect([resultToString(result), resultToString(result, 's')]).toEqual([long, shortLower]);
  });
});

describe('signal descriptions', () => {
  it.each([
    [1, 'Hangup'],
    [2, 'Interrupt'],
    [6, 'Aborted'],
    [9, 'Killed'],
    [11, 'Segmentation fault'],
    [13, 'Broken pipe'],
    [15, 'Terminated'],
  ])('signal %d is %s', (signum, text) => {
    expect(signalDescription(signum)).toBe(text);
  });

  (process.platform === 'linux' ? it : it.skip)('knows Linux numbering, real-time signals included', () => {
    expect(signalDescription(7)).toBe('Bus error');
    expect(signalDescription(10)).toBe('User defined signal 1');
    expect(signalDescription(29)).toBe('I/O possible');
    expect(signalDescription(31)).toBe('Bad system call');
    expect(signalDescription(34)).toBe('Real-time signal 0');
    expect(signalDescription(64)).toBe('Real-time signal 30');
    expect(signalDescription(32)).toBeUndefined();
    expect(signalDescription(65)).toBeUndefined();
    expect(signalDescription(0)).toBeUndefined();
  });
});

describe('password database', () => {
  const db = parsePasswd(
    [
      'root:x:0:0:root:/root:/bin/bash',
      '# a comment',
      '+nisuser::::::',
      'alice:x:1000:1000::/home/alice:/bin/sh',
      'toor:x:0:0:second root:/root:/bin/sh',
      'alice:x:1002:1002::/home/alice2:/bin/sh',
      'broken line',
      'bad:x:notanumber:0::/:/bin/sh',
      '',
    ].join('\n'),
  );

  it('answers uid -> name and name -> uid, first entry first', () => {
    expect(db.nameOf(0)).toBe('root');
    expect(db.nameOf(1000)).toBe('alice');
    expect(db.uidOf('alice')).toBe(1000);
    expect(db.uidOf('toor')).toBe(0);
    expect(db.nameOf(1002)).toBe('alice');
  });

  it('skips comments, NIS lines and malformed entries', () => {
    expect(db.uidOf('+nisuser')).toBeUndefined();
    expect(db.uidOf('broken line')).toBeUndefined();
    expect(db.uidOf('bad')).toBeUndefined();
    expect(db.nameOf(4242)).toBeUndefined();
  });

  it('knows the current user from the system database', () => {
    const me = userInfo();
    expect(systemUserDatabase().nameOf(me.uid)).toBe(me.username);
    expect(systemUserDatabase().uidOf(me.username)).toBe(me.uid);
  });
});
