import { cpuMsOfStat, processCpuMs } from '../../bench/process-cpu';

describe('cpuMsOfStat', () => {
  it('adds utime and stime (fields 14 and 15, in hundredths of a second)', () => {
    const stat = '9403 (cat) R 9401 9401 2242 0 -1 4194304 101 0 0 0 250 31 0 0 20 0 1 0 276304 3133440 358';
    expect(cpuMsOfStat(stat)).toBe(2810);
  });

  it('counts fields after the command name, which may hold spaces and parentheses', () => {
    const stat = '77 (node (tsx) x) S 1 77 77 0 -1 4194304 101 0 0 0 7 3 0 0 20 0 11 0 1 2 3';
    expect(cpuMsOfStat(stat)).toBe(100);
  });

  it.each(['', 'no name here', '1 (x) S 1'])('refuses %j', (stat) => {
    expect(() => cpuMsOfStat(stat)).toThrow('not a /proc/PID/stat line');
  });
});

describe('processCpuMs', () => {
  it('is undefined for a process that does not exist', () => {
    expect(processCpuMs(2 ** 30)).toBeUndefined();
  });
});
