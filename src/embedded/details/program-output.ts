/**
 * What the programs of the embedded instance print: a few opening lines, progress lines while
 * they run, and closing lines on success or an error on stderr when they fail. Chosen by the
 * program's name (the command's last path component), seeded by the job, small and bounded.
 * Invented for this project; the texts only look like what those programs write.
 */
import type { SeededRandom } from '../workload/random';

export type Stream = 'stdout' | 'stderr';

export interface Line {
  stream: Stream;
  /** The text with its newline; `rank` is the task that printed it (0 unless said). */
  text: string;
  rank?: number;
  /** Raw bytes that are not UTF-8 (sent base64-encoded, as the shell does). */
  bytes?: Uint8Array;
}

export interface ProgramContext {
  random: SeededRandom;
  command: readonly string[];
  ntasks: number;
  /** Host of each task. */
  hostOf: (rank: number) => string;
}

export interface ProgramScript {
  /** Printed as the program starts (everything known before the end). */
  opening: Line[];
  /** The k-th progress line (k from 1), or undefined for none. */
  progress: (k: number) => Line | undefined;
  /** Printed on a clean exit. */
  success: Line[];
  /** Printed before a non-zero exit with this code (not for a signal). */
  failure: (exitCode: number) => Line[];
}

const out = (text: string, rank = 0): Line => ({ stream: 'stdout', text: `${text}\n`, rank });
const err = (text: string, rank = 0): Line => ({ stream: 'stderr', text: `${text}\n`, rank });

function fixed(value: number, digits: number): string {
  return value.toFixed(digits);
}

function basename(path: string | undefined): string {
  if (path === undefined) return '';
  const slash = path.lastIndexOf('/');
  return slash < 0 ? path : path.slice(slash + 1);
}

type ScriptMaker = (ctx: ProgramContext) => ProgramScript;

const silent: ProgramScript = { opening: [], progress: () => undefined, success: [], failure: () => [] };

const SCRIPTS: Record<string, ScriptMaker> = {
  hostname: (ctx) => ({
    ...silent,
    opening: Array.from({ length: ctx.ntasks }, (_, rank) => out(ctx.hostOf(rank), rank)),
  }),
  sleep: () => silent,
  hello_mpi: (ctx) => ({
    ...silent,
    opening: Array.from({ length: ctx.ntasks }, (_, rank) => out(`Hello world from processor ${ctx.hostOf(rank)}, rank ${rank} out of ${ctx.ntasks} processors`, rank)),
    failure: (code) => [err(`MPI_ABORT was invoked on rank 0 in communicator MPI_COMM_WORLD with errorcode ${code}.`)],
  }),
  'a.out': (ctx) => {
    const r = ctx.random;
    const size = r.pick([256, 512, 1024]);
    const binary = r.chance(0.05);
    const opening = [out(`grid ${size}x${size}, ${ctx.ntasks} task(s)`)];
    // Now and then a program writes bytes that are not text.
    if (binary) opening.push({ stream: 'stdout', text: '', bytes: Uint8Array.of(0xff, 0xfe, 0x00, 0x01, 0x0a) });
    let residual = r.between(0.5, 2);
    return {
      opening,
      progress: (k) => {
        residual *= r.between(0.2, 0.6);
        return out(`iter ${k * 100} residual ${residual.toExponential(3)}`);
      },
      success: [out(`converged, residual ${(residual * 0.1).toExponential(3)}`)],
      failure: (code) => [err(r.pick(['a.out: error: input.dat: No such file or directory', 'a.out: matrix is singular', `a.out: exiting with status ${code}`]))],
    };
  },
  lmp: (ctx) => {
    const r = ctx.random;
    const atoms = r.pick([32000, 256000, 864000]);
    let temp = r.between(1.2, 3);
    return {
      opening: [out('LAMMPS (2 Aug 2023 - Update 3)'), out(`  using 1 OpenMP thread(s) per MPI task`), out(`Created ${atoms} atoms`), out('Step Temp E_pair TotEng Press')],
      progress: (k) => {
        temp += r.between(-0.05, 0.05);
        return out(`${k * 1000} ${fixed(temp, 4)} ${fixed(-6.77 + r.between(-0.01, 0.01), 4)} ${fixed(-4.9 + r.between(-0.01, 0.01), 4)} ${fixed(r.between(-1, 6), 4)}`);
      },
      success: [out(`Loop time of ${fixed(r.between(50, 5000), 2)} on ${ctx.ntasks} procs with ${atoms} atoms`), out('Total wall time: 1:23:45')],
      failure: () => [err(`ERROR: Lost atoms: original ${atoms} current ${atoms - r.int(1, 400)} (src/thermo.cpp:488)`)],
    };
  },
  gmx_mpi: (ctx) => {
    const r = ctx.random;
    const deffnm = ctx.command[3] ?? 'md';
    // GROMACS writes its log to stderr.
    return {
      opening: [err('                      :-) GROMACS - gmx mdrun, 2023.3 (-:'), err(`Reading file ${deffnm}.tpr, VERSION 2023.3 (single precision)`)],
      progress: (k) => err(`step ${k * 5000}, remaining wall clock time: ${r.int(60, 90000)} s`),
      success: [err(`Performance: ${fixed(r.between(20, 400), 3)} ns/day`), err('GROMACS reminds you: "Everything Must Go" (Frank)')],
      failure: () => [err('Fatal error:'), err(`Step ${r.int(1000, 900000)}: The total potential energy is nan, which is not finite.`)],
    };
  },
  'cp2k.psmp': (ctx) => {
    const r = ctx.random;
    return {
      opening: [out(' **** **** ******  **  PROGRAM STARTED'), out(` GLOBAL| Total number of message passing processes  ${ctx.ntasks}`)],
      progress: (k) => out(`  *** SCF run converged in ${r.int(8, 40)} steps ***  (geometry step ${k})`),
      success: [out(' **** **** ******  **  PROGRAM ENDED')],
      failure: () => [err(' *** ABORT *** SCF run NOT converged. To continue the calculation regardless, please set the keyword IGNORE_CONVERGENCE_FAILURE.')],
    };
  },
  nek5000: (ctx) => {
    const r = ctx.random;
    return {
      opening: [out(' Nek5000 v19.0'), out(` Number of MPI ranks :   ${ctx.ntasks}`)],
      progress: (k) => out(`Step ${k * 1000}, t= ${(k * 0.1).toExponential(7)}, DT= ${r.between(1e-4, 1e-3).toExponential(7)}, C=  0.497`),
      success: [out('run successful: dying ...')],
      failure: () => [err('ERROR: CFL number too large, aborting')],
    };
  },
  namd3: (ctx) => {
    const r = ctx.random;
    return {
      opening: [out('Info: NAMD 3.0 for Linux-x86_64-multicore'), out(`Info: Running on ${ctx.ntasks} processors`)],
      progress: (k) => out(`ENERGY: ${k * 500} ${fixed(r.between(-300000, -290000), 4)} ${fixed(r.between(100, 200), 4)}`),
      success: [out(`WallClock: ${fixed(r.between(100, 9000), 4)}  CPUTime: ${fixed(r.between(100, 9000), 4)}  Memory: 812.2 MB`)],
      failure: () => [err('FATAL ERROR: Atoms moving too fast; simulation has become unstable.')],
    };
  },
  python3: (ctx) => {
    const r = ctx.random;
    const script = ctx.command[1] === '-m' ? ctx.command[2] : basename(ctx.command[1]);
    if (script === 'pytest') {
      const tests = r.int(40, 400);
      return {
        opening: [out('============================= test session starts =============================='), out('platform linux -- Python 3.11.6, pytest-7.4.3'), out(`collected ${tests} items`)],
        progress: (k) => (k <= 10 ? out(`tests/test_solver.py ${'.'.repeat(r.int(5, 40))} [${String(k * 10).padStart(3)}%]`) : undefined),
        success: [out(`============================== ${tests} passed in ${fixed(r.between(2, 300), 2)}s ==============================`)],
        failure: () => [
          out('FAILED tests/test_solver.py::test_convergence - AssertionError: residual too large'),
          out(`========================= 1 failed, ${tests - 1} passed in ${fixed(r.between(2, 300), 2)}s =========================`),
        ],
      };
    }
    if (script === 'train.py') {
      const epochs = Number(ctx.command[3] ?? 30);
      let loss = r.between(2, 4);
      return {
        opening: [out('Using device: cuda:0')],
        progress: (k) => {
          loss *= r.between(0.8, 0.97);
          return k <= epochs ? out(`Epoch ${k}/${epochs} loss=${fixed(loss, 4)} acc=${fixed(1 - loss / 5, 4)}`) : undefined;
        },
        success: [out(`Training complete, best val acc ${fixed(r.between(0.7, 0.95), 4)}`)],
        failure: () => [err('Traceback (most recent call last):'), err('  File "train.py", line 142, in <module>'), err('torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB')],
      };
    }
    return {
      opening: [],
      progress: (k) => out(`processed ${k * 10000} records`),
      success: [out('done')],
      failure: () => [err('Traceback (most recent call last):'), err(`  File "${script ?? 'main.py'}", line 57, in <module>`), err("KeyError: 'timestamp'")],
    };
  },
  torchrun: (ctx) => {
    const r = ctx.random;
    let loss = r.between(1, 3);
    return {
      opening: [err('W1125 torch.distributed.run: Setting OMP_NUM_THREADS environment variable for each process to be 1 in default')],
      progress: (k) => {
        loss *= r.between(0.85, 0.98);
        return out(`[rank0]: step ${k * 100} loss ${fixed(loss, 4)}`);
      },
      success: [out('[rank0]: saved checkpoint to ckpt/final.pt')],
      failure: () => [err('torch.distributed.elastic.multiprocessing.errors.ChildFailedError:'), err('finetune.py FAILED')],
    };
  },
  nbody: (ctx) => {
    const r = ctx.random;
    const bodies = (ctx.command[2] ?? '-numbodies=65536').split('=')[1] ?? '65536';
    return {
      opening: [out('Run "nbody -benchmark [-numbodies=<numBodies>]" to measure performance.'), out('> Compute 8.0 CUDA device: [NVIDIA A100-SXM4-40GB]')],
      progress: () => undefined,
      success: [out(`number of bodies = ${bodies}`), out(`${bodies} bodies, total time for 10 iterations: ${fixed(r.between(10, 900), 3)} ms`)],
      failure: () => [err('CUDA error at bodysystemcuda_impl.h:186 code=2(cudaErrorMemoryAllocation)')],
    };
  },
  julia: (ctx) => {
    const r = ctx.random;
    return {
      opening: [],
      progress: (k) => out(`  ${k}: ${fixed(r.between(800, 19000), 1)} GFLOPS`),
      success: [out('benchmark finished')],
      failure: () => [err('ERROR: LoadError: CUDA.OutOfGPUMemoryError')],
    };
  },
  sim: (ctx) => {
    const r = ctx.random;
    return {
      opening: [out(`param = ${ctx.command[2] ?? '0'}`)],
      progress: (k) => out(`t=${k} energy=${fixed(r.between(-10, 10), 6)}`),
      success: [out('done')],
      failure: () => [err('sim: diverged')],
    };
  },
  nhc: () => ({
    ...silent,
    failure: () => [err('ERROR:  nhc:  Health check failed:  check_fs_mount:  /p/lustre1 not mounted')],
  }),
  make: (ctx) => {
    const r = ctx.random;
    return {
      opening: [out('make  check-recursive')],
      progress: (k) => out(`PASS: test_${r.pick(['alloc', 'io', 'parse', 'solve', 'mesh'])}_${k}`),
      success: [out('============================================================================'), out('# PASS:  42'), out('# FAIL:  0')],
      failure: (code) => [err(`make: *** [Makefile:1203: check] Error ${code}`)],
    };
  },
};

/** What this job's program prints; a generic step counter for programs not listed. */
export function programScript(ctx: ProgramContext): ProgramScript {
  const name = basename(ctx.command[0]);
  const maker = SCRIPTS[name];
  if (maker !== undefined) return maker(ctx);
  return {
    opening: [],
    progress: (k) => out(`${name || 'job'}: step ${k}`),
    success: [],
    failure: (code) => [err(`${name || 'job'}: exited with status ${code}`)],
  };
}
