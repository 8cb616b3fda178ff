/**
 * Which job-info keys a Job field shows. A field backed by Flux's job-info service (eventlog,
 * jobspec, R, output) names its keys in its definition (`extensions: jobInfoKeys(...)`) instead
 * of job-list sources: it needs no job-list attribute (the job's id always comes), and what is
 * selected below it is job-info data, so the selection's attributes skip it
 * (selected-attributes.ts). Its resolver loads exactly those keys through the request's
 * JobDetailsLoader, which asks for every key the request selects of a job in one lookup.
 */
import type { GraphQLField } from 'graphql';

const JOB_INFO_KEYS_KEY = 'fluxJobInfoKeys';

/** The `extensions` of a Job field whose value comes from these job-info keys of the job. */
export function jobInfoKeys(...keys: [string, ...string[]]): { readonly [JOB_INFO_KEYS_KEY]: readonly string[] } {
  return { [JOB_INFO_KEYS_KEY]: keys };
}

/** The job-info keys a field definition declares; undefined for a field that declares none. */
export function jobInfoKeysOf(field: GraphQLField<unknown, unknown>): readonly string[] | undefined {
  const declared = field.extensions[JOB_INFO_KEYS_KEY];
  return Array.isArray(declared) && declared.every((key: unknown) => typeof key === 'string') ? (declared as string[]) : undefined;
}
