import { FluxError } from '../flux/errors';
import type { FluxHandle } from '../flux/handle';
import { isJsonObject } from './job-record';

export const LIST_ATTRS_TOPIC = 'job-list.list-attrs';

/** The attribute names job-list can return, "all" included, in the service's order (job-list.list-attrs). */
export async function listAttrs(handle: FluxHandle): Promise<string[]> {
  const response = await handle.rpc(LIST_ATTRS_TOPIC, {});
  const attrs = isJsonObject(response) ? response.attrs : undefined;
  if (!Array.isArray(attrs) || !attrs.every((attr) => typeof attr === 'string')) {
    throw new FluxError('FLUX_PROTOCOL', `${LIST_ATTRS_TOPIC}: expected {"attrs":[<string>...]}`);
  }
  return attrs as string[];
}
