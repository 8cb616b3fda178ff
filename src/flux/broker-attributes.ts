/** Reading a broker attribute (attr.get), as `flux getattr NAME` does. */
import { FluxError } from './errors';
import type { FluxHandle } from './handle';

export async function getBrokerAttribute(handle: FluxHandle, name: string): Promise<string> {
  const response = await handle.rpc('attr.get', { name });
  const value = (response as { value?: unknown } | undefined)?.value;
  if (typeof value !== 'string') throw new FluxError('FLUX_PROTOCOL', `attr.get ${name}: the response has no string "value"`);
  return value;
}

/** The uid of the instance owner (broker attribute security.owner). */
export async function instanceOwner(handle: FluxHandle): Promise<number> {
  const text = await getBrokerAttribute(handle, 'security.owner');
  if (!/^\d{1,10}$/.test(text) || Number(text) > 0xffffffff) throw new FluxError('FLUX_PROTOCOL', `attr.get security.owner: "${text}" is not a uid`);
  return Number(text);
}
