/**
 * The broker's `attr.get` method for the attributes a client of the embedded instance may ask
 * for: `security.owner` (who the instance owner is, which the server checks before it acts for
 * other users) and `size`. Answers as flux-core's broker does: {value, flags} with the
 * immutable flag, ENOENT for an attribute it does not have, EPROTO for a request without a name.
 */
import { Errno } from '../../flux/constants';
import { decodeRequestPayload, unpackFields } from '../wire/request-payload';
import type { Respond, ServiceHandler, ServiceRequest } from './service-types';

/** ATTR_IMMUTABLE, the only flag attr.get reports. */
const IMMUTABLE = 1;

export class BrokerAttributes implements ServiceHandler {
  private readonly values: ReadonlyMap<string, string>;

  constructor(attributes: { owner: number; size: number }) {
    this.values = new Map([
      ['security.owner', String(attributes.owner)],
      ['size', String(attributes.size)],
    ]);
  }

  handle(request: ServiceRequest, respond: Respond): void {
    if (request.topic === 'attr.disconnect') return;
    if (request.topic !== 'attr.get') {
      respond({ errnum: Errno.ENOSYS, errstr: `Unknown service method '${request.topic}'` });
      return;
    }
    const decoded = decodeRequestPayload(request.payload);
    const fields = decoded.ok ? unpackFields(decoded.payload, [{ key: 'name', kind: 'string' }]) : undefined;
    if (fields === undefined || !fields.ok) {
      respond({ errnum: Errno.EPROTO });
      return;
    }
    const name = fields.values.get('name') as string;
    const value = this.values.get(name);
    if (value === undefined) respond({ errnum: Errno.ENOENT });
    else respond({ payload: { value, flags: IMMUTABLE } });
  }
}
