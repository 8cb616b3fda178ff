import type { JobIdEncoding } from '../../flux/jobid';
import { builder } from '../builder';

export const JobIdEncodingEnum = builder.enumType('JobIdEncoding', {
  description: 'A text form of a job ID, as `flux job id --to=` names them.',
  values: {
    DEC: { value: 'dec', description: 'Decimal: 6787342413402046.' },
    HEX: { value: 'hex', description: 'Hexadecimal: 0x181d0d4d850fbe.' },
    DOTHEX: { value: 'dothex', description: 'Four 16-bit groups: 0018.1d0d.4d85.0fbe.' },
    KVS: { value: 'kvs', description: "The job's KVS directory: job.0018.1d0d.4d85.0fbe." },
    F58: { value: 'f58', description: 'Base58 with the ƒ prefix: ƒuzzybunny.' },
    F58PLAIN: { value: 'f58plain', description: 'Base58 with an ASCII f prefix: fuzzybunny.' },
    WORDS: { value: 'words', description: 'Mnemonic words. Not supported by this server: asking for it is an error.' },
  } as const satisfies Record<string, { value: JobIdEncoding; description: string }>,
});
