/**
 * The people and programs of the simulated site: users with their habits,
 * the applications they run, and the notes, memos and exit codes their jobs
 * leave behind. Invented for this project; values only look like a real site.
 */
import type { QueueKind } from './cluster';
import type { SeededRandom } from './random';

/** How a job asks for resources (see resources.ts for the jobspec each one makes). */
export type ShapeKind =
  /** whole nodes, one task per core (MPI) */
  | 'mpi'
  /** whole nodes, one task per node with all its cores (hybrid MPI + threads) */
  | 'hybrid'
  /** a batch script: whole nodes, one broker per node */
  | 'script'
  /** one task with a few cores */
  | 'threads'
  /** a handful of single-core tasks */
  | 'serial'
  /** tasks with a GPU and some cores each */
  | 'gpu';

export interface AppTemplate {
  id: string;
  shape: ShapeKind;
  /** Command line; `index` is the position in an array submission. */
  command: (random: SeededRandom, index: number) => string[];
  /** An explicit `--job-name`, if users of this app usually give one. */
  jobName?: (random: SeededRandom, index: number) => string;
  /** Each member of an array submission gets its own name (otherwise they share the first one's). */
  namePerIndex?: boolean;
  /** Median run time before load scaling, seconds, and the log-normal spread. */
  runtimeMedian: number;
  runtimeSigma: number;
  /** Chance of a non-zero exit when nothing else goes wrong. */
  failRate: number;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

export const APPS: Record<string, AppTemplate> = {
  lammps: {
    id: 'lammps',
    shape: 'mpi',
    command: (r) => ['lmp', '-in', `in.${r.pick(['lj', 'chain', 'eam', 'rhodo', 'melt'])}`],
    runtimeMedian: 5400,
    runtimeSigma: 1.0,
    failRate: 0.06,
  },
  gromacs: {
    id: 'gromacs',
    shape: 'mpi',
    command: (r) => ['gmx_mpi', 'mdrun', '-deffnm', r.pick(['md_0_1', 'nvt', 'npt', 'em'])],
    runtimeMedian: 7200,
    runtimeSigma: 0.9,
    failRate: 0.05,
  },
  cp2k: {
    id: 'cp2k',
    shape: 'hybrid',
    command: (r) => ['cp2k.psmp', '-i', r.pick(['H2O-64.inp', 'H2O-256.inp', 'bulk_si.inp'])],
    runtimeMedian: 9000,
    runtimeSigma: 0.8,
    failRate: 0.08,
  },
  nek: {
    id: 'nek',
    shape: 'mpi',
    command: () => ['./nek5000'],
    runtimeMedian: 10800,
    runtimeSigma: 0.7,
    failRate: 0.07,
  },
  namd: {
    id: 'namd',
    shape: 'hybrid',
    command: (r) => ['namd3', '+ppn', '31', r.pick(['apoa1.namd', 'stmv.namd', 'membrane.namd'])],
    runtimeMedian: 6000,
    runtimeSigma: 0.8,
    failRate: 0.05,
  },
  batchScript: {
    id: 'batchScript',
    shape: 'script',
    command: () => ['flux', 'broker', '{{tmpdir}}/script'],
    jobName: (r) => r.pick(['run_sim.sh', 'ensemble.sh', 'nightly-regression.sh', 'postprocess.sh', 'job.sh', 'restart_from_ckpt.sh']),
    runtimeMedian: 10800,
    runtimeSigma: 0.9,
    failRate: 0.06,
  },
  climateScript: {
    id: 'climateScript',
    shape: 'script',
    command: () => ['flux', 'broker', '{{tmpdir}}/script'],
    jobName: (r, i) => `climate-ens-${pad(i > 0 ? i : r.int(1, 120), 3)}`,
    namePerIndex: true,
    runtimeMedian: 14400,
    runtimeSigma: 0.6,
    failRate: 0.05,
  },
  aout: {
    id: 'aout',
    shape: 'serial',
    command: () => ['./a.out'],
    runtimeMedian: 40,
    runtimeSigma: 1.5,
    failRate: 0.3,
  },
  makeCheck: {
    id: 'makeCheck',
    shape: 'threads',
    command: (r) => ['make', `-j${r.pick([4, 8, 16])}`, 'check'],
    runtimeMedian: 420,
    runtimeSigma: 0.7,
    failRate: 0.2,
  },
  hostname: {
    id: 'hostname',
    shape: 'serial',
    command: () => ['hostname'],
    runtimeMedian: 0.08,
    runtimeSigma: 0.5,
    failRate: 0,
  },
  sleep: {
    id: 'sleep',
    shape: 'serial',
    command: (r) => ['sleep', String(r.pick([10, 60, 300, 600]))],
    runtimeMedian: 120,
    runtimeSigma: 1.0,
    failRate: 0,
  },
  helloMpi: {
    id: 'helloMpi',
    shape: 'serial',
    command: () => ['./hello_mpi'],
    runtimeMedian: 2,
    runtimeSigma: 0.8,
    failRate: 0.1,
  },
  pytest: {
    id: 'pytest',
    shape: 'threads',
    command: (r) => ['python3', '-m', 'pytest', r.pick(['tests/', 'tests/test_solver.py', '-x'])],
    runtimeMedian: 180,
    runtimeSigma: 0.9,
    failRate: 0.25,
  },
  train: {
    id: 'train',
    shape: 'gpu',
    command: (r) => ['python3', 'train.py', '--epochs', String(r.pick([10, 30, 90]))],
    jobName: (r) => r.pick(['resnet50-train', 'vit-b16-pretrain', 'unet-seg', 'bert-finetune']),
    runtimeMedian: 7200,
    runtimeSigma: 1.0,
    failRate: 0.1,
  },
  torchrun: {
    id: 'torchrun',
    shape: 'gpu',
    command: () => ['torchrun', '--nproc_per_node=4', 'finetune.py'],
    runtimeMedian: 5400,
    runtimeSigma: 0.9,
    failRate: 0.12,
  },
  nbody: {
    id: 'nbody',
    shape: 'gpu',
    command: (r) => ['./nbody', '-benchmark', `-numbodies=${r.pick([65536, 262144, 1048576])}`],
    runtimeMedian: 600,
    runtimeSigma: 0.8,
    failRate: 0.04,
  },
  julia: {
    id: 'julia',
    shape: 'gpu',
    command: () => ['julia', '--project', 'gpu_bench.jl'],
    runtimeMedian: 900,
    runtimeSigma: 0.8,
    failRate: 0.08,
  },
  sweep: {
    id: 'sweep',
    shape: 'serial',
    command: (_r, i) => ['./sim', '--param', String(i)],
    jobName: () => 'sweep',
    runtimeMedian: 900,
    runtimeSigma: 0.6,
    failRate: 0.04,
  },
  dataPipeline: {
    id: 'dataPipeline',
    shape: 'threads',
    command: (r) => ['python3', 'process.py', `--shard=${r.int(0, 63)}`],
    jobName: (r) => r.pick(['データ処理 ジョブ', '前処理', 'Análisis de datos – fase 1', 'spin glass β=0.5', 'emoji 🚀 launch', 'ingest-shard']),
    runtimeMedian: 1800,
    runtimeSigma: 0.8,
    failRate: 0.06,
  },
  healthCheck: {
    id: 'healthCheck',
    shape: 'serial',
    command: () => ['/usr/sbin/nhc'],
    jobName: () => 'node-health-check',
    runtimeMedian: 20,
    runtimeSigma: 0.4,
    failRate: 0.02,
  },
};

export interface UserProfile {
  uid: number;
  name: string;
  /** Relative activity. */
  weight: number;
  /** How much of this user's work goes to each kind of queue (relative). */
  queueAffinity: Record<QueueKind, number>;
  /** App ids with relative weights, per kind of queue. */
  apps: Record<QueueKind, Array<[string, number]>>;
  bank?: string;
  project?: string;
  /** Working directory for jobs. */
  cwd: string;
  /** Chance that a job of this user comes as an array submission. */
  arrayRate: number;
}

const scratch = (name: string, dir: string): string => `/p/lustre1/${name}/${dir}`;

export const USERS: readonly UserProfile[] = [
  {
    uid: 1001, name: 'jsmith', weight: 9, bank: 'cfd', project: 'turbulence', cwd: scratch('jsmith', 'channel-flow'), arrayRate: 0.02,
    queueAffinity: { batch: 8, debug: 2, gpu: 0.5 },
    apps: { batch: [['nek', 5], ['batchScript', 3], ['lammps', 1]], debug: [['aout', 3], ['helloMpi', 2]], gpu: [['nbody', 1]] },
  },
  {
    uid: 1002, name: 'mgarcia', weight: 8, bank: 'chemistry', project: 'catalysis', cwd: scratch('mgarcia', 'zeolites'), arrayRate: 0.05,
    queueAffinity: { batch: 8, debug: 1, gpu: 1 },
    apps: { batch: [['cp2k', 5], ['gromacs', 3], ['batchScript', 1]], debug: [['aout', 1], ['hostname', 1]], gpu: [['julia', 1]] },
  },
  {
    uid: 1003, name: 'lchen', weight: 10, bank: 'ml', project: 'vision', cwd: '/home/lchen/models', arrayRate: 0.04,
    queueAffinity: { batch: 0.5, debug: 2, gpu: 9 },
    apps: { batch: [['batchScript', 1]], debug: [['pytest', 2], ['hostname', 1]], gpu: [['train', 5], ['torchrun', 3]] },
  },
  {
    uid: 1004, name: 'apatel', weight: 8, bank: 'physics', cwd: scratch('apatel', 'sweeps/run42'), arrayRate: 0.12,
    queueAffinity: { batch: 6, debug: 3, gpu: 1 },
    apps: { batch: [['lammps', 3], ['batchScript', 1]], debug: [['sweep', 4], ['sleep', 1]], gpu: [['nbody', 1]] },
  },
  {
    uid: 1005, name: 'okim', weight: 7, cwd: '/home/okim/src/solver', arrayRate: 0.01,
    queueAffinity: { batch: 1, debug: 9, gpu: 1 },
    apps: { batch: [['helloMpi', 1], ['lammps', 1]], debug: [['makeCheck', 4], ['aout', 4], ['pytest', 2], ['helloMpi', 2]], gpu: [['julia', 1]] },
  },
  {
    uid: 1006, name: 'rnguyen', weight: 6, bank: 'climate', project: 'e3sm-ens', cwd: scratch('rnguyen', 'e3sm'), arrayRate: 0.15,
    queueAffinity: { batch: 9, debug: 1, gpu: 0 },
    apps: { batch: [['climateScript', 5], ['batchScript', 1]], debug: [['hostname', 1], ['sleep', 1]], gpu: [] },
  },
  {
    uid: 1007, name: 'skumar', weight: 7, bank: 'ml', cwd: '/home/skumar/llm', arrayRate: 0.03,
    queueAffinity: { batch: 1, debug: 4, gpu: 6 },
    apps: { batch: [['namd', 1]], debug: [['pytest', 2], ['dataPipeline', 1]], gpu: [['torchrun', 3], ['train', 2], ['julia', 1]] },
  },
  {
    uid: 1008, name: 'tbrown', weight: 7, bank: 'bio', project: 'membranes', cwd: scratch('tbrown', 'membrane-md'), arrayRate: 0.04,
    queueAffinity: { batch: 8, debug: 2, gpu: 2 },
    apps: { batch: [['gromacs', 4], ['namd', 3]], debug: [['aout', 1], ['hostname', 1]], gpu: [['nbody', 1], ['julia', 1]] },
  },
  {
    uid: 1009, name: 'ewilson', weight: 5, cwd: '/home/ewilson/hw3', arrayRate: 0.02,
    queueAffinity: { batch: 2, debug: 8, gpu: 1 },
    apps: { batch: [['lammps', 1], ['helloMpi', 1]], debug: [['aout', 5], ['helloMpi', 2], ['sleep', 1]], gpu: [['train', 1]] },
  },
  {
    uid: 1010, name: 'hmuller', weight: 6, bank: 'astro', project: 'galaxies', cwd: scratch('hmuller', 'nbody'), arrayRate: 0.05,
    queueAffinity: { batch: 6, debug: 1, gpu: 4 },
    apps: { batch: [['nek', 2], ['batchScript', 2]], debug: [['helloMpi', 1], ['hostname', 1]], gpu: [['nbody', 4]] },
  },
  {
    uid: 1011, name: 'ytanaka', weight: 5, bank: 'physics', cwd: '/home/ytanaka/データ', arrayRate: 0.1,
    queueAffinity: { batch: 3, debug: 5, gpu: 1 },
    apps: { batch: [['batchScript', 1], ['lammps', 1]], debug: [['dataPipeline', 4], ['sweep', 1]], gpu: [['train', 1]] },
  },
  {
    uid: 1012, name: 'cruiz', weight: 5, bank: 'chemistry', project: 'catalysis', cwd: '/home/cruiz/proyectos/fase1', arrayRate: 0.05,
    queueAffinity: { batch: 4, debug: 4, gpu: 2 },
    apps: { batch: [['gromacs', 2], ['cp2k', 1]], debug: [['dataPipeline', 3], ['aout', 1]], gpu: [['torchrun', 1]] },
  },
  {
    uid: 0, name: 'root', weight: 0.6, cwd: '/root', arrayRate: 0,
    queueAffinity: { batch: 1, debug: 2, gpu: 1 },
    apps: { batch: [['healthCheck', 1]], debug: [['healthCheck', 2], ['hostname', 1]], gpu: [['healthCheck', 1]] },
  },
];

/** Non-zero exit codes with how often they occur among failed jobs. */
export const FAILURE_EXIT_CODES: ReadonlyArray<[number, number]> = [
  [1, 50],
  [2, 14],
  [3, 4],
  [42, 3],
  [255, 6],
  [134, 5], // abort(): 128 + SIGABRT
  [137, 8], // killed, usually by the OOM killer: 128 + SIGKILL
  [139, 10], // segmentation fault: 128 + SIGSEGV
];

/** Wait statuses of job shells whose tasks were killed for a reason Flux knows about. */
export const WAITSTATUS = {
  /** exit 127: the command was not found */
  commandNotFound: 127 << 8,
  /** exit 142 (128 + SIGALRM): the time limit ran out */
  timedOut: 142 << 8,
  /** exit 143 (128 + SIGTERM): canceled while running */
  canceled: 143 << 8,
  /** exit 137 (128 + SIGKILL): killed after a fatal exception */
  killed: 137 << 8,
} as const;

export const USER_CANCEL_NOTES: ReadonlyArray<[string, number]> = [
  ['', 12],
  ['no longer needed', 2],
  ['wrong input deck', 1],
  ['resubmitting with more nodes', 1],
  ['typo in the job script', 1],
];

export const ADMIN_CANCEL_NOTES: readonly string[] = ['node maintenance', 'purged by admin', 'runaway job, see ticket 4711'];

/** Fatal exceptions that users or operators raise with `flux job raise`. */
export const RAISED_FATAL: ReadonlyArray<{ type: string; note: string }> = [
  { type: 'abort', note: 'operator requested abort' },
  { type: 'checkpoint', note: 'checkpoint write failed: disk quota exceeded' },
  { type: 'workflow', note: 'upstream stage produced no output' },
];

/** Non-fatal exceptions (severity > 0): the job carries on. */
export const RAISED_NONFATAL: ReadonlyArray<{ type: string; severity: number; note: string }> = [
  { type: 'warning', severity: 3, note: 'node temperature high' },
  { type: 'quota', severity: 5, note: 'home directory quota 95% full' },
  { type: 'io', severity: 4, note: 'slow metadata server response' },
];

/** Memos users attach to running jobs (`flux job memo`). */
export const RUNNING_MEMOS: ReadonlyArray<(random: SeededRandom) => Record<string, string | number | boolean | Record<string, string | number>>> = [
  (r) => ({ progress: Math.round(r.between(0.05, 0.95) * 100) / 100 }),
  (r) => ({ progress: r.int(5, 95), note: 'half way' }),
  (r) => ({ checkpoint: `step-${r.int(1, 40) * 100}` }),
  () => ({ owner: 'alice', priority_note: 'keep alive' }),
  (r) => ({ ticket: { id: r.int(1000, 9999), system: 'jira' } }),
  () => ({ reviewed: true }),
];

/** Memos users attach to jobs still waiting. */
export const PENDING_MEMOS: ReadonlyArray<(random: SeededRandom) => Record<string, string | number | boolean | Record<string, string | number>>> = [
  () => ({ reason: 'waiting for input data' }),
  () => ({ reason: 'queued behind maintenance' }),
  (r) => ({ model: { name: r.pick(['resnet50', 'vit-b16']), epochs: r.pick([30, 90]) } }),
];
