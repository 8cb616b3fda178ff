import fc from 'fast-check';
import {
  encodeHostlist,
  HostlistError,
  hostlistCount,
  isValidHostlist,
  parseHostlist,
} from '../../src/flux/hostlist';

function hostlistErrorOf(fn: () => unknown): HostlistError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HostlistError) return err;
    throw err;
  }
  throw new Error('expected a HostlistError, but nothing was thrown');
}

describe('parseHostlist: RFC 29 test vectors', () => {
  it.each<[string, string[]]>([
    ['foox,fooy,fooz', ['foox', 'fooy', 'fooz']],
    ['[1-3,5-6]', ['1', '2', '3', '5', '6']],
    ['foo[1-5]', ['foo1', 'foo2', 'foo3', 'foo4', 'foo5']],
    ['foo[0-4]-eth2', ['foo0-eth2', 'foo1-eth2', 'foo2-eth2', 'foo3-eth2', 'foo4-eth2']],
    ['foo1,foo1,foo1', ['foo1', 'foo1', 'foo1']],
    ['[00-02]', ['00', '01', '02']],
    ['[00-2]', ['00', '01', '02']],
    ['foo[1,1,2,1]', ['foo1', 'foo1', 'foo2', 'foo1']],
  ])('%j', (text, hosts) => {
    expect(parseHostlist(text)).toEqual(hosts);
  });

  it('"" is the empty list when empty lists are allowed', () => {
    expect(parseHostlist('', { allowEmpty: true })).toEqual([]);
    expect(hostlistCount('')).toBe(0);
  });
});

describe('parseHostlist: more valid input (flux-core libhostlist vectors)', () => {
  it.each<[string, string[]]>([
    ['node[1-4,7]', ['node1', 'node2', 'node3', 'node4', 'node7']],
    ['a,b', ['a', 'b']],
    ['node[01-10]', ['node01', 'node02', 'node03', 'node04', 'node05', 'node06', 'node07', 'node08', 'node09', 'node10']],
    ['node[8-10]', ['node8', 'node9', 'node10']],
    ['node[98-101]', ['node98', 'node99', 'node100', 'node101']],
    ['node[098-101]', ['node098', 'node099', 'node100', 'node101']],
    ['foo-1a-2,foo-1a-3', ['foo-1a-2', 'foo-1a-3']],
    ['foo1,fooi,foo2,foo3', ['foo1', 'fooi', 'foo2', 'foo3']],
    ['1,2,3,4,5,9', ['1', '2', '3', '4', '5', '9']],
    [',1,2,3,4,5,9,', ['1', '2', '3', '4', '5', '9']],
    ['foo[1,3]-bar', ['foo1-bar', 'foo3-bar']],
    ['[00-03]p', ['00p', '01p', '02p', '03p']],
    ['p[00-3]p', ['p00p', 'p01p', 'p02p', 'p03p']],
    ['14636', ['14636']],
    ['f00[7-8,10]', ['f007', 'f008', 'f0010']],
    ['foo[12,4,1-2]', ['foo12', 'foo4', 'foo1', 'foo2']],
    ['foo[4,1-2],bar[26-30]', ['foo4', 'foo1', 'foo2', 'bar26', 'bar27', 'bar28', 'bar29', 'bar30']],
    // Flux separates on blanks and tabs too, and collapses runs of separators.
    ['a b\tc,,d', ['a', 'b', 'c', 'd']],
    ['  node[1-2] ', ['node1', 'node2']],
    // Each idlist element keeps its own padding in Flux (RFC 29 says the first element's
    // padding applies to all; Flux's decoder, and its test "[0-20],45,12,015", disagree).
    ['[005,4,11-13]', ['005', '4', '11', '12', '13']],
    ['n[01,2]', ['n01', 'n2']],
    ['node[0-0]', ['node0']],
    ['héte1,x.y.z', ['héte1', 'x.y.z']],
  ])('%j', (text, hosts) => {
    expect(parseHostlist(text)).toEqual(hosts);
    expect(hostlistCount(text)).toBe(hosts.length);
    expect(isValidHostlist(text)).toBe(true);
  });

  it('expands the long mcr list from flux-core to 237 hosts', () => {
    const text =
      'mcr[336-359,488-550,553,556,559,561,567,569-571,573-575,578,581,584,587-589,592,594,597,600-602,605,608,610,618-622,627,634,636-670,687-696,699-733,735-742,744-760,762-773]';
    const hosts = parseHostlist(text);
    expect(hosts).toHaveLength(237);
    expect(hosts[0]).toBe('mcr336');
    expect(hosts[236]).toBe('mcr773');
    expect(encodeHostlist(hosts)).toBe(text);
  });
});

describe('parseHostlist: invalid input', () => {
  it.each<[string, string]>([
    ['', 'no hosts'],
    [',', 'no hosts'],
    ['  ', 'no hosts'],
    ['node[1-', "unbalanced brackets in 'node[1-'"],
    ['[vm]', "bad idlist: 'vm' is not a number or a range of numbers"],
    ['v[m]', "bad idlist: 'm' is not a number or a range of numbers"],
    ['[]', 'bad idlist: an empty element'],
    ['foo[]', 'bad idlist: an empty element'],
    ['foo[', "unbalanced brackets in 'foo['"],
    ['foo[1,3', "unbalanced brackets in 'foo[1,3'"],
    ['foo[[1,3]', "nested brackets in 'foo[[1,3]'"],
    ['foo]', "unbalanced brackets in 'foo]'"],
    ['foo]1[', "unbalanced brackets in 'foo]1['"],
    ['foo[x-y]', "bad idlist: 'x-y' is not a number or a range of numbers"],
    ['foo[0-1,2--5]', "bad idlist: '2--5' is not a number or a range of numbers"],
    ['foo[-1]', "bad idlist: '-1' is not a number or a range of numbers"],
    ['foo[1,]', 'bad idlist: an empty element'],
    ['foo[1,,2]', 'bad idlist: an empty element'],
    ['foo[3-1]', "range '3-1' is backwards"],
    ['foo[0-1048576]', "range '0-1048576' has more than 1048576 hosts"],
    ['foo[99999999999999999999]', "number in '99999999999999999999' is too large"],
    // Stricter than Flux, which reads these with strtoul and guesses.
    ['foo[1-]', "bad idlist: '1-' is not a number or a range of numbers"],
    ['foo[ 1]', "bad idlist: ' 1' is not a number or a range of numbers"],
    ['foo[+1]', "bad idlist: '+1' is not a number or a range of numbers"],
    // RFC 29 allows a single bracketed idlist per expression; Flux would produce the literal
    // host names "rack1n[1-3]" and "rack2n[1-3]".
    ['rack[1-2]n[1-3]', "more than one bracketed idlist in 'rack[1-2]n[1-3]'"],
    ['n[1]]', "more than one bracketed idlist in 'n[1]]'"],
  ])('%j: %s', (text, reason) => {
    const err = hostlistErrorOf(() => parseHostlist(text));
    expect(err.code).toBe('INVALID_HOSTLIST');
    expect(err.input).toBe(text);
    expect(err.message).toBe(`invalid hostlist '${text}': ${reason}`);
    expect(err.name).toBe('HostlistError');
  });

  it('isValidHostlist agrees (the empty list is valid)', () => {
    expect(isValidHostlist('node[1-')).toBe(false);
    expect(isValidHostlist('rack[1-2]n[1-3]')).toBe(false);
    expect(isValidHostlist('')).toBe(true);
  });
});

describe('size limits', () => {
  it('counts without expanding, duplicates included', () => {
    expect(hostlistCount('n[0-600],n[0-600]')).toBe(1202);
    expect(hostlistCount('n[0-1048575],m[0-1048575]')).toBe(2 * 1048576);
  });

  it('refuses to expand past the limit with its own code', () => {
    const err = hostlistErrorOf(() => parseHostlist('n[0-1048575],m[0-1048575]'));
    expect(err.code).toBe('HOSTLIST_TOO_LARGE');
    expect(err.message).toBe("hostlist 'n[0-1048575],m[0-1048575]' has 2097152 hosts, more than the limit of 1048576");
    expect(parseHostlist('n[1-3]', { maxHosts: 3 })).toEqual(['n1', 'n2', 'n3']);
    expect(hostlistErrorOf(() => parseHostlist('n[1-4]', { maxHosts: 3 })).code).toBe('HOSTLIST_TOO_LARGE');
  });
});

describe('encodeHostlist: output of Flux hostlist_encode', () => {
  it.each<[string[], string]>([
    [[], ''],
    [['node0', 'node1', 'node2', 'node3'], 'node[0-3]'],
    [['a', 'b'], 'a,b'],
    [['node7'], 'node7'],
    [['14636'], '14636'],
    [['foo-1a-2', 'foo-1a-3'], 'foo-1a-[2-3]'],
    [['foo1', 'foo2', 'foo3', 'fooi'], 'foo[1-3],fooi'],
    [['foo1', 'fooi', 'foo2', 'foo3'], 'foo1,fooi,foo[2-3]'],
    [['fooi', 'foo1', 'foo2', 'foo3'], 'fooi,foo[1-3]'],
    [['fooi', 'foo1', 'foo2', 'foo3', 'foo5', 'foo7', 'foo8'], 'fooi,foo[1-3,5,7-8]'],
    [['1', '2', '3', '4', '5', '9'], '[1-5,9]'],
    [['foo1-bar', 'foo3-bar'], 'foo1-bar,foo3-bar'],
    [['00p', '01p', '02p', '03p'], '00p,01p,02p,03p'],
    [['foo12', 'foo4', 'foo1', 'foo2'], 'foo[12,4,1-2]'],
    [['foo12', 'foo4', 'foo1', 'foo2', 'bar26', 'bar27', 'bar28', 'bar29', 'bar30'], 'foo[12,4,1-2],bar[26-30]'],
    [['node1', 'node2', 'node3', 'node4', 'node7'], 'node[1-4,7]'],
    [['node01', 'node02', 'node03'], 'node[01-03]'],
    [['node08', 'node09', 'node10'], 'node[08-10]'],
    [['node9', 'node10', 'node11'], 'node[9-11]'],
    [['node99', 'node100'], 'node[99-100]'],
    [['n01', 'n2'], 'n[01,2]'],
    [['n1', 'n02'], 'n[1,02]'],
    [['n5', 'n06'], 'n[5,06]'],
    [['n1', 'n1'], 'n[1,1]'],
    [['n2', 'n1', 'n1'], 'n[2,1,1]'],
    [['foo', 'foo1', 'foo2'], 'foo,foo[1-2]'],
    [['foo1', 'foo', 'foo', 'bar1'], 'foo1,foo,foo,bar1'],
    [['a1', 'b1', 'a2'], 'a1,b1,a2'],
    [['rack1-n1', 'rack1-n2', 'rack2-n1'], 'rack1-n[1-2],rack2-n1'],
    [['login', 'node0', 'node1', 'node3'], 'login,node[0-1,3]'],
  ])('%j -> %j', (hosts, text) => {
    expect(encodeHostlist(hosts)).toBe(text);
    expect(parseHostlist(text, { allowEmpty: true })).toEqual(hosts);
  });

  it('accepts any iterable', () => {
    expect(encodeHostlist(new Set(['n1', 'n2']))).toBe('n[1-2]');
  });

  it.each([
    ['', 'a host name in a hostlist cannot be empty'],
    ['a b', "host name 'a b' cannot appear in a hostlist: it contains ' '"],
    ['a,b', "host name 'a,b' cannot appear in a hostlist: it contains ','"],
    ['n[1]', "host name 'n[1]' cannot appear in a hostlist: it contains '['"],
    ['tab\there', "host name 'tab\there' cannot appear in a hostlist: it contains '\t'"],
  ])('rejects the host name %j', (host, message) => {
    const err = hostlistErrorOf(() => encodeHostlist(['ok1', host]));
    expect(err.code).toBe('INVALID_HOSTLIST');
    expect(err.message).toBe(message);
  });

  it('keeps host numbers too large for 64 bits as plain names', () => {
    const hosts = ['n123456789012345678901', 'n123456789012345678902'];
    expect(encodeHostlist(hosts)).toBe('n123456789012345678901,n123456789012345678902');
  });
});

describe('properties', () => {
  const prefix = fc.constantFrom('node', 'n', 'rack1-n', 'login', '', 'x.y-');
  const number = fc.integer({ min: 0, max: 130 });
  const width = fc.integer({ min: 0, max: 4 });
  const numberedHost = fc
    .tuple(prefix, number, width, fc.constantFrom('', '', '', '-ib', 'b'))
    .map(([p, n, w, s]) => `${p}${String(n).padStart(w, '0')}${s}`)
    .filter((h) => h !== '');
  const plainHost = fc.stringMatching(/^[a-z][a-z.-]{0,6}$/);
  const host = fc.oneof({ weight: 4, arbitrary: numberedHost }, { weight: 1, arbitrary: plainHost });

  it('parse(encode(hosts)) gives back the same list, order and duplicates kept', () => {
    fc.assert(
      fc.property(fc.array(host, { maxLength: 60 }), (hosts) => {
        expect(parseHostlist(encodeHostlist(hosts), { allowEmpty: true })).toEqual(hosts);
      }),
      { numRuns: 1000 },
    );
  });

  it('consecutive numbered hosts compress into a single bracket', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 2, max: 50 }), (start, count) => {
        const hosts = Array.from({ length: count }, (_, k) => `node${start + k}`);
        expect(encodeHostlist(hosts)).toBe(`node[${start}-${start + count - 1}]`);
      }),
    );
  });

  it('encode(parse(text)) is stable for text that encodeHostlist produced', () => {
    fc.assert(
      fc.property(fc.array(host, { minLength: 1, maxLength: 40 }), (hosts) => {
        const text = encodeHostlist(hosts);
        expect(encodeHostlist(parseHostlist(text))).toBe(text);
      }),
    );
  });

  it('never throws anything but HostlistError on arbitrary text', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-c0-9,\-[\] ]{0,14}$/), (text) => {
        try {
          const hosts = parseHostlist(text, { allowEmpty: true });
          expect(hosts.length).toBe(hostlistCount(text));
        } catch (err) {
          expect(err).toBeInstanceOf(HostlistError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
